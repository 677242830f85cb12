// The protocol's on-screen map (Leaflet): route, numbered stops and numbered findings.
// Print and PDF use the server-rendered SVG next to it; it is hidden on screen once this map is ready.
/* global L */
import { defaultView } from "./map-view.js";

const MAX_NUMBERED_MARKERS = 400;

function numberIcon(className, text) {
  return L.divIcon({ className, html: `<span>${Number(text)}</span>`, iconSize: [28, 28], iconAnchor: [14, 14] });
}

function escapeText(text) {
  const span = document.createElement("span");
  span.textContent = text ?? "";
  return span.innerHTML;
}

function renderProtocolMap(container, data) {
  const map = L.map(container, { scrollWheelZoom: false });
  const renderer = L.canvas();
  L.tileLayer(container.dataset.tileUrl, { maxZoom: 19, attribution: container.dataset.tileAttribution }).addTo(map);
  const layers = [];
  if (data.route) {
    layers.push(L.geoJSON(data.route, { style: { color: "#1d4ed8", weight: 5, opacity: 0.85 } }).addTo(map));
  }
  layers.push(L.geoJSON(data.stops, {
    pointToLayer: (feature, latlng) => L.marker(latlng, {
      icon: numberIcon("protocol-stop-marker", feature.properties.seq),
      title: `${feature.properties.seq}. ${feature.properties.name}`,
    }),
  }).addTo(map));
  const many = data.findings.features.length > MAX_NUMBERED_MARKERS;
  layers.push(L.geoJSON(data.findings, {
    // Numbered markers are DOM elements; thousands of them would freeze the page, so use canvas dots then.
    pointToLayer: (feature, latlng) => (many
      ? L.circleMarker(latlng, { renderer, radius: 4, stroke: false, fillOpacity: 0.9,
        fillColor: feature.properties.polarity === "safe" ? "#15803d" : "#c2410c" })
      : L.marker(latlng, {
        icon: numberIcon(`protocol-marker ${feature.properties.polarity}`, feature.properties.number),
        title: `${feature.properties.number}. ${feature.properties.category_name}`,
      })),
    onEachFeature: (feature, layer) => layer.bindPopup(
      `<a href="#finding-${Number(feature.properties.number)}">${Number(feature.properties.number)}. ` +
      `${escapeText(feature.properties.category_name)}</a>`,
    ),
  }).addTo(map));
  const bounds = L.featureGroup(layers).getBounds();
  if (bounds.isValid()) {
    map.fitBounds(bounds, { padding: [24, 24] });
  } else {
    map.setView(...defaultView());
  }
  container.closest(".protocol-map")?.classList.add("has-live-map");
  container.dataset.ready = "true";
}

const container = document.getElementById("protocol-live-map");
const dataNode = document.getElementById("protocol-map-data");
if (container && dataNode && window.L) {
  renderProtocolMap(container, JSON.parse(dataNode.textContent));
}
