// Live view: the walk's event stream says when findings changed and the staff findings feed is fetched at
// once (polled every few seconds while there is no stream); new findings appear on the map and in the list.
/* global L */
import { LiveUpdates } from "../field/live.js";
import { ROUTE_STYLE, baseMap, escapeText, findingMarker, fitTo, meetingMarker, readJson, spreadFindings, stopMarker } from "./map-base.js";

const POLL_MS = 4000; // only while there is no live stream
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
  const route = data.route ? L.geoJSON(data.route, { style: ROUTE_STYLE, pane: "route" }).addTo(map) : null;
  const stops = L.geoJSON(data.stops, { pointToLayer: stopMarker }).addTo(map);
  const findings = L.layerGroup().addTo(map);
  const seen = new Map();
  const meeting = meetingMarker(data, container.dataset.meetingLabel ?? "")?.addTo(map);
  fitTo(map, [route, stops, meeting]);
  const markers = [];
  let framed = false;
  const spread = spreadFindings(map, markers, data.stops.features.map((f) => L.latLng(f.geometry.coordinates[1], f.geometry.coordinates[0])));

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
      markers.splice(0, markers.length, ...[...seen.values()].map((entry) => entry.marker));
      if (!framed && markers.length) {
        // The first findings frame the view once with the route (one made far off the route is seen too);
        // later ones never move the map under the organizer's hand.
        // at once (no zoom animation): the markers are laid out for the new view right below
        fitTo(map, [route, stops, meeting, ...markers], undefined, { animate: false });
        framed = true;
      }
      spread.layout();
      count.textContent = `(${seen.size})`;
      list.dataset.state = seen.size ? "filled" : "empty";
      status.textContent = seen.size
        ? status.dataset.updated.replace("TIME", new Date().toLocaleTimeString(document.documentElement.lang))
        : list.dataset.empty;
      container.dataset.ready = "true";
    } catch {
      status.textContent = status.dataset.offline;
    }
  }
  // One fetch at a time; a change announced during a fetch is fetched right after it.
  let running = null;
  let again = false;
  function refresh() {
    if (running) {
      again = true;
      return;
    }
    running = poll().finally(() => {
      running = null;
      if (again) {
        again = false;
        refresh();
      }
    });
  }
  new LiveUpdates({ url: container.dataset.events, onChange: refresh, pollMs: POLL_MS, element: container }).start();
  refresh();
}
