// The field map: route, numbered stops, my position with its accuracy circle, everyone's findings,
// and a draggable marker for placing a finding by hand.
/* global L */
import { t } from "./i18n.js";

const COLOURS = { unsafe: "#c2410c", safe: "#15803d", pending: "#7c3aed" };

function stopIcon(seq) {
  return L.divIcon({ className: "stop-marker", html: `<span>${Number(seq)}</span>`, iconSize: [32, 32], iconAnchor: [16, 16] });
}

function text(value) {
  const span = document.createElement("span");
  span.textContent = value ?? "";
  return span.innerHTML;
}

export class FieldMap {
  constructor(container, walk) {
    this.walk = walk;
    this.map = L.map(container, { zoomControl: true, tap: true });
    L.tileLayer(container.dataset.tileUrl, { maxZoom: 19, attribution: container.dataset.tileAttribution }).addTo(this.map);
    const layers = [];
    if (walk.route) {
      this.route = L.geoJSON(walk.route, { style: { color: "#1d4ed8", weight: 6, opacity: 0.85 } }).addTo(this.map);
      layers.push(this.route);
    }
    this.stops = L.geoJSON(walk.stops, {
      pointToLayer: (feature, latlng) =>
        L.marker(latlng, { icon: stopIcon(feature.properties.seq), title: `${feature.properties.seq}. ${feature.properties.name}` }),
      onEachFeature: (feature, layer) => layer.bindPopup(`<strong>${Number(feature.properties.seq)}. ${text(feature.properties.name)}</strong>`),
    }).addTo(this.map);
    layers.push(this.stops);
    this.findings = L.layerGroup().addTo(this.map);
    const bounds = L.featureGroup(layers).getBounds();
    if (bounds.isValid()) this.map.fitBounds(bounds, { padding: [20, 20] });
    else this.map.setView([62, 15], 5);
    this.me = null;
    this.meCircle = null;
    this.picker = null;
    container.dataset.ready = "true";
  }

  setPosition(position) {
    const latlng = [position.lat, position.lon];
    if (!this.me) {
      this.meCircle = L.circle(latlng, { radius: position.accuracy, color: "#2563eb", weight: 1, fillOpacity: 0.12, interactive: false }).addTo(this.map);
      this.me = L.circleMarker(latlng, { radius: 8, color: "#ffffff", weight: 3, fillColor: "#2563eb", fillOpacity: 1, interactive: false }).addTo(this.map);
      this.me.getElement()?.setAttribute("data-testid", "my-position");
    } else {
      this.me.setLatLng(latlng);
      this.meCircle.setLatLng(latlng).setRadius(position.accuracy);
    }
  }

  /** Everyone's findings (GeoJSON features); pending local ones are drawn in another colour. */
  setFindings(features) {
    this.findings.clearLayers();
    for (const feature of features) {
      if (!feature.geometry) continue;
      const [lon, lat] = feature.geometry.coordinates;
      const props = feature.properties;
      const colour = props.pending ? COLOURS.pending : COLOURS[props.polarity] ?? "#6b7280";
      const marker = L.circleMarker([lat, lon], { radius: props.mine ? 9 : 7, color: "#ffffff", weight: 2, fillColor: colour, fillOpacity: 0.95 });
      marker.bindPopup(`<strong>${text(props.category_name)}</strong>${props.note ? `<br>${text(props.note)}` : ""}${props.mine ? `<br><em>${text(t("yourFinding"))}</em>` : ""}`);
      marker.addTo(this.findings);
      marker.getElement()?.setAttribute("data-finding", feature.id);
    }
  }

  /** Show a draggable marker at lat/lon; taps on the map move it. Calls onMove({lat, lon}). */
  startPicking(position, onMove) {
    this.stopPicking();
    const latlng = position ? [position.lat, position.lon] : this.map.getCenter();
    this.picker = L.marker(latlng, { draggable: true, autoPan: true, keyboard: true, title: t("mapPosition") }).addTo(this.map);
    const report = () => {
      const { lat, lng } = this.picker.getLatLng();
      onMove({ lat, lon: lng });
    };
    this.picker.on("dragend", report);
    this.onMapClick = (event) => {
      this.picker.setLatLng(event.latlng);
      report();
    };
    this.map.on("click", this.onMapClick);
    this.map.panTo(latlng);
    report();
  }

  stopPicking() {
    if (this.picker) {
      this.picker.remove();
      this.map.off("click", this.onMapClick);
      this.picker = null;
    }
  }

  invalidate() {
    this.map.invalidateSize();
  }
}
