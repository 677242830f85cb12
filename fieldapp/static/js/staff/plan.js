// Plan page: draw/edit the route with Leaflet-Geoman, place and drag numbered stops.
/* global L */
import { baseMap, fitTo, meetingMarker, readJson, stopIcon } from "./map-base.js";

const container = document.getElementById("plan-map");
const data = readJson("walk-data");
const routeInput = document.getElementById("route-geojson");
const lengthOut = document.getElementById("route-length");
const statusOut = document.getElementById("route-status");

function lineLatLngs(layer) {
  const latlngs = layer.getLatLngs();
  return Array.isArray(latlngs[0]) ? latlngs : [latlngs];
}

function routeGeometry(group) {
  const parts = [];
  group.eachLayer((layer) => {
    for (const part of lineLatLngs(layer)) {
      if (part.length >= 2) parts.push(part.map((p) => [Number(p.lng.toFixed(7)), Number(p.lat.toFixed(7))]));
    }
  });
  if (parts.length === 0) return null;
  return parts.length === 1 ? { type: "LineString", coordinates: parts[0] } : { type: "MultiLineString", coordinates: parts };
}

function lengthKm(group) {
  let metres = 0;
  group.eachLayer((layer) => {
    for (const part of lineLatLngs(layer)) {
      for (let i = 1; i < part.length; i += 1) metres += part[i - 1].distanceTo(part[i]);
    }
  });
  return metres / 1000;
}

function setupRoute(map, routeGroup) {
  const update = () => {
    const geometry = routeGeometry(routeGroup);
    routeInput.value = geometry ? JSON.stringify(geometry) : "";
    const km = new Intl.NumberFormat(document.documentElement.lang || undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    lengthOut.textContent = geometry ? `${km.format(lengthKm(routeGroup))} ${lengthOut.dataset.km}` : "–";
    statusOut.textContent = "";
    container.dataset.routePoints = String(geometry ? geometry.coordinates.flat(2).length / 2 : 0);
  };
  const watch = (layer) => {
    layer.on("pm:edit pm:vertexadded pm:vertexremoved pm:dragend", update);
  };
  routeGroup.eachLayer(watch);
  map.on("pm:create", (event) => {
    if (event.shape !== "Line") return;
    event.layer.setStyle({ color: "#1d4ed8", weight: 5 });
    routeGroup.addLayer(event.layer);
    watch(event.layer);
    update();
  });
  map.on("pm:remove", (event) => {
    if (routeGroup.hasLayer(event.layer)) {
      routeGroup.removeLayer(event.layer);
      update();
    }
  });
  update();
}

async function saveStopPosition(stopId, latlng) {
  const body = new FormData();
  body.append("csrf_token", container.dataset.csrf);
  body.append("lon", latlng.lng.toFixed(7));
  body.append("lat", latlng.lat.toFixed(7));
  const response = await fetch(`${container.dataset.stopsUrl}/${stopId}`, {
    method: "POST", body, headers: { Accept: "application/json" }, credentials: "same-origin",
  });
  document.getElementById("place-hint").textContent = response.ok ? container.dataset.saved : container.dataset.saveFailed;
}

// Latitude first, as people type it (the server also reads SWEREF 99 TM).
function typedPosition(latlng) {
  return `${latlng.lat.toFixed(6)}, ${latlng.lng.toFixed(6)}`;
}

// A toggle button: while pressed, the next click on the map is handed to onPlace.
const placers = [];
function placer(map, button, hint, onPlace) {
  const state = { on: false, button, hint };
  const set = (on) => {
    state.on = on;
    button.setAttribute("aria-pressed", String(on));
    hint.textContent = on ? button.dataset.hint ?? "" : "";
    container.classList.toggle("placing", placers.some((p) => p.on));
  };
  state.set = set;
  placers.push(state);
  button.addEventListener("click", () => {
    const next = !state.on;
    for (const other of placers) if (other !== state && other.on) other.set(false);
    set(next);
  });
  map.on("click", (event) => {
    if (!state.on) return;
    set(false);
    onPlace(event.latlng);
  });
}

function setupMeetingPoint(map) {
  const input = document.getElementById("meeting-position");
  const button = document.getElementById("place-meeting");
  if (!input || !button) return null;
  let marker = meetingMarker(data, container.dataset.meetingLabel ?? "")?.addTo(map) ?? null;
  placer(map, button, document.getElementById("meeting-hint"), (latlng) => {
    input.value = typedPosition(latlng);
    if (marker) marker.setLatLng(latlng);
    else marker = meetingMarker({ meeting_point_geometry: { coordinates: [latlng.lng, latlng.lat] } }, container.dataset.meetingLabel ?? "").addTo(map);
    input.focus();
  });
  return marker;
}

function setupStops(map) {
  const layers = [];
  for (const feature of data.stops.features) {
    const [lon, lat] = feature.geometry.coordinates;
    const marker = L.marker([lat, lon], {
      icon: stopIcon(feature.properties.seq), title: feature.properties.name, draggable: true, pmIgnore: true,
      keyboard: true,
    }).addTo(map);
    marker.on("dragend", () => saveStopPosition(feature.id, marker.getLatLng()));
    layers.push(marker);
  }
  const stopPosition = document.getElementById("stop-position");
  let draft = null;
  const placeStop = (latlng) => {
    stopPosition.value = typedPosition(latlng);
    if (draft) draft.setLatLng(latlng);
    else draft = L.marker(latlng, { icon: stopIcon(data.stops.features.length + 1), pmIgnore: true, opacity: 0.7 }).addTo(map);
    document.getElementById("stop-name").focus();
  };
  placer(map, document.getElementById("place-stop"), document.getElementById("place-hint"), placeStop);
  return layers;
}

// A file read but not yet imported: its route dashed, its waypoints as small labelled circles.
function showPreview(map) {
  if (!data.preview) return null;
  const group = L.featureGroup().addTo(map);
  if (data.preview.route) {
    L.geoJSON(data.preview.route, { pmIgnore: true, style: { color: "#c2410c", weight: 4, dashArray: "8 6" } }).addTo(group);
  }
  for (const feature of data.preview.waypoints.features) {
    const [lon, lat] = feature.geometry.coordinates;
    L.circleMarker([lat, lon], { pmIgnore: true, radius: 7, color: "#c2410c", fillOpacity: 0.8 })
      .bindTooltip(feature.properties.name, { permanent: true, direction: "right" }).addTo(group);
  }
  return group.getLayers().length ? group : null;
}

if (container && data) {
  const map = baseMap(container);
  map.pm.setLang(container.dataset.lang === "sv" ? "sv" : "en");
  map.pm.addControls({
    position: "topleft", drawMarker: false, drawCircleMarker: false, drawPolygon: false, drawRectangle: false,
    drawCircle: false, drawText: false, drawPolyline: true, editMode: true, dragMode: false, cutPolygon: false,
    removalMode: true, rotateMode: false,
  });
  map.pm.setPathOptions({ color: "#1d4ed8", weight: 5 });
  // Geoman puts the tool name on the wrapper's title only; give the button itself an accessible name.
  container.querySelectorAll(".button-container[title] > a.leaflet-buttons-control-button").forEach((link) => {
    link.setAttribute("aria-label", link.parentElement.getAttribute("title"));
  });
  const routeGroup = L.featureGroup().addTo(map);
  if (data.route) {
    L.geoJSON(data.route, { style: { color: "#1d4ed8", weight: 5 } }).eachLayer((layer) => routeGroup.addLayer(layer));
  }
  setupRoute(map, routeGroup);
  const stops = setupStops(map);
  const meeting = setupMeetingPoint(map);
  const preview = showPreview(map);
  fitTo(map, preview ? [preview] : [routeGroup, ...stops, meeting]);
  container.dataset.ready = "true";
}
