// Read-only walk map: the route, numbered stops and findings, from the page's JSON block.
/* global L */

const CATEGORY_COLOURS = { unsafe: "#c2410c", safe: "#15803d" };

function readWalkData() {
  const node = document.getElementById("walk-data");
  return node ? JSON.parse(node.textContent) : null;
}

function stopIcon(seq) {
  return L.divIcon({
    className: "stop-marker",
    html: `<span>${Number(seq)}</span>`,
    iconSize: [32, 32],
    iconAnchor: [16, 16],
  });
}

function escapeText(text) {
  const span = document.createElement("span");
  span.textContent = text ?? "";
  return span.innerHTML;
}

export function renderWalkMap(container, data) {
  const map = L.map(container, { zoomControl: true, attributionControl: true });
  L.tileLayer(container.dataset.tileUrl, {
    maxZoom: 19,
    attribution: container.dataset.tileAttribution,
  }).addTo(map);

  const layers = [];
  if (data.route) {
    const route = L.geoJSON(data.route, {
      style: { color: "#1d4ed8", weight: 5, opacity: 0.85 },
    }).addTo(map);
    route.eachLayer((layer) => layer.getElement?.()?.setAttribute("data-testid", "route"));
    layers.push(route);
  }
  const stops = L.geoJSON(data.stops, {
    pointToLayer: (feature, latlng) =>
      L.marker(latlng, { icon: stopIcon(feature.properties.seq), title: feature.properties.name, keyboard: true }),
    onEachFeature: (feature, layer) =>
      layer.bindPopup(`<strong>${Number(feature.properties.seq)}. ${escapeText(feature.properties.name)}</strong>`),
  }).addTo(map);
  layers.push(stops);
  if (data.meeting_point_geometry) {
    const [lon, lat] = data.meeting_point_geometry.coordinates;
    const label = container.dataset.meetingLabel ?? "";
    const meeting = L.marker([lat, lon], {
      icon: L.divIcon({ className: "meeting-marker", html: "<span>⚑</span>", iconSize: [32, 32], iconAnchor: [16, 16] }),
      title: label, keyboard: true,
    }).bindPopup(`<strong>${escapeText(label)}</strong>${data.meeting_point ? `<br>${escapeText(data.meeting_point)}` : ""}`);
    meeting.addTo(map);
    layers.push(meeting);
  }

  if (data.findings) {
    const findings = L.geoJSON(data.findings, {
      pointToLayer: (feature, latlng) =>
        L.circleMarker(latlng, {
          radius: 8,
          color: "#ffffff",
          weight: 2,
          fillColor: CATEGORY_COLOURS[feature.properties.polarity] ?? "#6b7280",
          fillOpacity: 0.95,
        }),
      onEachFeature: (feature, layer) =>
        layer.bindPopup(
          `<strong>${escapeText(feature.properties.category_name)}</strong><br>${escapeText(feature.properties.note)}`,
        ),
    }).addTo(map);
    layers.push(findings);
  }

  const bounds = L.featureGroup(layers).getBounds();
  if (bounds.isValid()) {
    map.fitBounds(bounds, { padding: [24, 24] });
  } else {
    map.setView([62.0, 15.0], 5);
  }
  container.dataset.ready = "true";
  return map;
}

const container = document.getElementById("walk-map");
const data = readWalkData();
if (container && data) {
  renderWalkMap(container, data);
}
