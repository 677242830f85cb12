// Shared helpers for staff maps: tile layer, stop icons, finding markers, safe text, and spreading findings
// so that every one of them can be seen and clicked.
/* global L */
import { defaultView } from "../map-view.js";

export const POLARITY_COLOURS = { unsafe: "#c2410c", safe: "#15803d" };
const FINDING_RADIUS = 9;
const STOP_RADIUS = 22; // the 32 px stop square, centre to corner

export function readJson(id) {
  const node = document.getElementById(id);
  return node ? JSON.parse(node.textContent) : null;
}

// Layers from the bottom: route, leader lines, stops, findings (Leaflet's overlay pane, 400). A finding on
// a stop is never hidden under the stop's icon, and the route never crosses a stop's number.
export const ROUTE_STYLE = { color: "#1d4ed8", weight: 5, opacity: 0.85, pane: "route" };

export function baseMap(container) {
  const map = L.map(container, { zoomControl: true, attributionControl: true });
  L.tileLayer(container.dataset.tileUrl, { maxZoom: 19, attribution: container.dataset.tileAttribution }).addTo(map);
  map.createPane("route").style.zIndex = 380;
  map.createPane("stops").style.zIndex = 390;
  map.createPane("leaders").style.zIndex = 385;
  return map;
}

export function stopIcon(seq) {
  return L.divIcon({ className: "stop-marker", html: `<span>${Number(seq)}</span>`, iconSize: [32, 32], iconAnchor: [16, 16] });
}

export function stopMarker(feature, latlng) {
  return L.marker(latlng, { icon: stopIcon(feature.properties.seq), title: feature.properties.name, keyboard: true, pane: "stops" });
}

// The meeting point: a flag in a square (stops are numbered circles), titled for screen readers.
export function meetingMarker(data, title) {
  if (!data.meeting_point_geometry) return null;
  const [lon, lat] = data.meeting_point_geometry.coordinates;
  return L.marker([lat, lon], {
    icon: L.divIcon({ className: "meeting-marker", html: "<span>⚑</span>", iconSize: [32, 32], iconAnchor: [16, 16] }),
    title, keyboard: true, pmIgnore: true,
  });
}

export function escapeText(text) {
  const span = document.createElement("span");
  span.textContent = text ?? "";
  return span.innerHTML;
}

export function findingMarker(feature, latlng) {
  const marker = L.circleMarker(latlng, {
    radius: FINDING_RADIUS, color: "#ffffff", weight: 2,
    fillColor: POLARITY_COLOURS[feature.properties.polarity] ?? "#6b7280", fillOpacity: 0.95,
  });
  marker.on("add", () => marker.getElement()?.setAttribute("data-finding", feature.properties.uuid ?? ""));
  return marker;
}

// Rings of candidate offsets (px) around a point, nearest first.
function ringOffsets(step) {
  const offsets = [[0, 0]];
  for (let ring = 1; ring <= 6; ring += 1) {
    for (let k = 0; k < 6 * ring; k += 1) {
      const angle = (2 * Math.PI * k) / (6 * ring) + ring * 0.5;
      offsets.push([ring * step * Math.cos(angle), ring * step * Math.sin(angle)]);
    }
  }
  return offsets;
}

// Spiderfy by offset: at every zoom, each finding marker that would overlap a stop or an earlier finding
// is drawn at the nearest free spot around its true position, with a thin leader line back to it.
// `findings` is a list of circle markers (their true position is kept; the list may grow, then call
// layout() again), `stops` a list of L.LatLng.
export function spreadFindings(map, findings, stops) {
  const leaders = L.layerGroup().addTo(map);
  const offsets = ringOffsets(2 * FINDING_RADIUS + 4);

  function layout() {
    leaders.clearLayers();
    for (const marker of findings) marker.truePosition ??= marker.getLatLng();
    const occupied = stops.map((latlng) => ({ point: map.latLngToLayerPoint(latlng), r: STOP_RADIUS }));
    for (const marker of findings) {
      const home = map.latLngToLayerPoint(marker.truePosition);
      const free = (p) => occupied.every(({ point, r }) => point.distanceTo(p) >= r + FINDING_RADIUS + 2);
      const spot = offsets.map(([dx, dy]) => home.add([dx, dy])).find(free) ?? home;
      occupied.push({ point: spot, r: FINDING_RADIUS });
      marker.setLatLng(map.layerPointToLatLng(spot));
      if (spot.distanceTo(home) > 0.5) {
        L.polyline([marker.truePosition, marker.getLatLng()], { color: "#334155", weight: 1.5, interactive: false, pane: "leaders" }).addTo(leaders);
      }
    }
  }

  map.on("zoomend viewreset", layout);
  layout();
  return { layout, leaders };
}

export function fitTo(map, layers, fallback = defaultView(), { animate = true } = {}) {
  const group = L.featureGroup(layers.filter(Boolean));
  const bounds = group.getBounds();
  if (bounds.isValid()) {
    map.fitBounds(bounds, { padding: [24, 24], maxZoom: 17, animate });
  } else {
    map.setView(...fallback);
  }
}
