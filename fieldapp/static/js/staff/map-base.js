// Shared helpers for staff maps: tile layer, stop icons, finding markers, safe text.
/* global L */

export const POLARITY_COLOURS = { unsafe: "#c2410c", safe: "#15803d" };

export function readJson(id) {
  const node = document.getElementById(id);
  return node ? JSON.parse(node.textContent) : null;
}

export function baseMap(container) {
  const map = L.map(container, { zoomControl: true, attributionControl: true });
  L.tileLayer(container.dataset.tileUrl, { maxZoom: 19, attribution: container.dataset.tileAttribution }).addTo(map);
  return map;
}

export function stopIcon(seq) {
  return L.divIcon({ className: "stop-marker", html: `<span>${Number(seq)}</span>`, iconSize: [32, 32], iconAnchor: [16, 16] });
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
  return L.circleMarker(latlng, {
    radius: 9, color: "#ffffff", weight: 2,
    fillColor: POLARITY_COLOURS[feature.properties.polarity] ?? "#6b7280", fillOpacity: 0.95,
  });
}

export function fitTo(map, layers, fallback = [[57.8945, 12.0688], 14]) {
  const group = L.featureGroup(layers.filter(Boolean));
  const bounds = group.getBounds();
  if (bounds.isValid()) {
    map.fitBounds(bounds, { padding: [24, 24], maxZoom: 17 });
  } else {
    map.setView(...fallback);
  }
}
