// Live view: poll the staff findings feed every few seconds; new findings appear on the map and in the list.
/* global L */
import { baseMap, escapeText, findingMarker, fitTo, meetingMarker, readJson, stopIcon } from "./map-base.js";

const POLL_MS = 4000;
const container = document.getElementById("live-map");
const data = readJson("walk-data");
const list = document.getElementById("live-list");
const status = document.getElementById("live-status");
const count = document.getElementById("live-count");

function listItem(feature) {
  const p = feature.properties;
  const li = document.createElement("li");
  li.className = `polarity-${p.polarity}`;
  li.dataset.uuid = p.uuid;
  const link = document.createElement("a");
  link.href = container.dataset.findingUrl.replace("UUID", encodeURIComponent(p.uuid));
  link.textContent = p.category_name;
  const time = p.created_at ? new Date(p.created_at).toLocaleTimeString(document.documentElement.lang, { hour: "2-digit", minute: "2-digit" }) : "";
  const details = [time, p.stop ? `${list.dataset.stop} ${p.stop}` : "", p.photo_count ? `📷 ${p.photo_count}` : "",
                   p.arrival === "late" ? list.dataset.late : ""].filter(Boolean).join(" · ");
  li.append(link, document.createTextNode(` ${details}${p.note ? ` — ${p.note}` : ""}`));
  return li;
}

if (container && data) {
  const map = baseMap(container);
  const route = data.route ? L.geoJSON(data.route, { style: { color: "#1d4ed8", weight: 5, opacity: 0.8 } }).addTo(map) : null;
  const stops = L.geoJSON(data.stops, { pointToLayer: (f, latlng) => L.marker(latlng, { icon: stopIcon(f.properties.seq), title: f.properties.name }) }).addTo(map);
  const findings = L.layerGroup().addTo(map);
  const seen = new Map();
  const meeting = meetingMarker(data, container.dataset.meetingLabel ?? "")?.addTo(map);
  fitTo(map, [route, stops, meeting]);

  async function poll() {
    try {
      const response = await fetch(container.dataset.feed, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) throw new Error(String(response.status));
      const collection = await response.json();
      const current = new Set();
      for (const feature of collection.features) {
        const key = `${feature.properties.uuid}:${feature.properties.version ?? ""}`;
        current.add(feature.properties.uuid);
        if (seen.get(feature.properties.uuid)?.key === key) continue;
        seen.get(feature.properties.uuid)?.marker.remove();
        seen.get(feature.properties.uuid)?.item.remove();
        const [lon, lat] = feature.geometry.coordinates;
        const marker = findingMarker(feature, L.latLng(lat, lon))
          .bindPopup(`<strong>${escapeText(feature.properties.category_name)}</strong><br>${escapeText(feature.properties.note)}`)
          .addTo(findings);
        const item = listItem(feature);
        list.prepend(item);
        seen.set(feature.properties.uuid, { key, marker, item });
      }
      for (const [uuid, entry] of seen) {
        if (!current.has(uuid)) {
          entry.marker.remove();
          entry.item.remove();
          seen.delete(uuid);
        }
      }
      count.textContent = `(${seen.size})`;
      list.dataset.state = seen.size ? "filled" : "empty";
      status.textContent = seen.size
        ? status.dataset.updated.replace("TIME", new Date().toLocaleTimeString(document.documentElement.lang))
        : list.dataset.empty;
      container.dataset.ready = "true";
    } catch {
      status.textContent = status.dataset.offline;
    }
    window.setTimeout(poll, POLL_MS);
  }
  poll();
}
