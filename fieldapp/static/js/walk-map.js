// Read-only walk map (staff walk page and review): the route, numbered stops and findings, from the page's
// JSON block. Findings are drawn above the stops and spread apart so every one can be clicked.
/* global L */
import { ROUTE_STYLE, baseMap, escapeText, findingMarker, fitTo, meetingMarker, readJson, spreadFindings, stopMarker } from "./staff/map-base.js";

export function renderWalkMap(container, data) {
  const map = baseMap(container);
  const layers = [];
  if (data.route) {
    const route = L.geoJSON(data.route, { style: ROUTE_STYLE, pane: "route" }).addTo(map);
    route.eachLayer((layer) => layer.getElement?.()?.setAttribute("data-testid", "route"));
    layers.push(route);
  }
  const stops = L.geoJSON(data.stops, {
    pointToLayer: stopMarker,
    onEachFeature: (feature, layer) =>
      layer.bindPopup(`<strong>${Number(feature.properties.seq)}. ${escapeText(feature.properties.name)}</strong>`),
  }).addTo(map);
  layers.push(stops);
  const meetingLabel = container.dataset.meetingLabel ?? "";
  const meeting = meetingMarker(data, meetingLabel)?.bindPopup(
    `<strong>${escapeText(meetingLabel)}</strong>${data.meeting_point ? `<br>${escapeText(data.meeting_point)}` : ""}`);
  if (meeting) {
    meeting.addTo(map);
    layers.push(meeting);
  }

  const markers = [];
  if (data.findings) {
    const findings = L.geoJSON(data.findings, {
      pointToLayer: (feature, latlng) => {
        const marker = findingMarker(feature, latlng);
        markers.push(marker);
        return marker;
      },
      onEachFeature: (feature, layer) =>
        layer.bindPopup(`<strong>${escapeText(feature.properties.category_name)}</strong><br>${escapeText(feature.properties.note)}`),
    }).addTo(map);
    layers.push(findings);
  }
  fitTo(map, layers);
  spreadFindings(map, markers, data.stops.features.map((f) => L.latLng(f.geometry.coordinates[1], f.geometry.coordinates[0])));
  container.dataset.ready = "true";
  return map;
}

const container = document.getElementById("walk-map");
const data = readJson("walk-data");
if (container && data) {
  renderWalkMap(container, data);
}
