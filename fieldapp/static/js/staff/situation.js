// The situation picture's map: findings of every walk, grouped by the server per grid cell for the view.
/* global L */
import { baseMap, escapeText, POLARITY_COLOURS, readJson } from "./map-base.js";

const container = document.getElementById("situation-map");
if (container) {
  const map = baseMap(container);
  const extent = JSON.parse(container.dataset.extent);
  let hotspots = [];
  const layer = L.layerGroup().addTo(map);
  const labels = container.dataset;
  let pending = null;

  // Recurring places: a dashed ring around each (its number in the table is in the tooltip).
  const hotspotLayer = L.layerGroup().addTo(map);

  function drawHotspots() {
    hotspotLayer.clearLayers();
    hotspots.forEach(([lat, lon], index) => hotspotLayer.addLayer(L.circleMarker([lat, lon], {
      radius: 34, color: "#7c2d12", weight: 3, dashArray: "6 5", fill: false,
    }).bindTooltip(`${labels.labelPlace} ${index + 1}`)));
  }

  function clusterIcon(count, unsafe) {
    // Sized and coloured through the CSSOM: the Content-Security-Policy allows no inline style attributes.
    const size = Math.min(64, 36 + Math.round(Math.log10(count) * 12));
    const badge = document.createElement("span");
    badge.textContent = String(count);
    badge.style.setProperty("--size", `${size}px`);
    badge.style.setProperty("--colour", unsafe * 2 >= count ? POLARITY_COLOURS.unsafe : POLARITY_COLOURS.safe);
    return L.divIcon({ className: "situation-cluster", html: badge, iconSize: [size, size],
      iconAnchor: [size / 2, size / 2] });
  }

  function draw(collection) {
    layer.clearLayers();
    for (const feature of collection.features) {
      const [lon, lat] = feature.geometry.coordinates;
      const p = feature.properties;
      if (p.count === 1 && p.url) {
        const marker = L.circleMarker([lat, lon], {
          radius: 11, color: "#ffffff", weight: 2, fillOpacity: 0.95,
          fillColor: POLARITY_COLOURS[p.polarity] ?? "#6b7280",
        });
        marker.bindPopup(`<strong>${escapeText(p.category)}</strong><br>${escapeText(p.walk)}`
          + (p.status ? `<br>${escapeText(p.status)}` : "")
          + `<br><a href="${encodeURI(p.url)}">${escapeText(labels.labelOpen)}</a>`);
        layer.addLayer(marker);
      } else {
        const label = `${p.count} ${labels.labelFindings}, ${p.unsafe} ${labels.labelUnsafe}`;
        const marker = L.marker([lat, lon], { icon: clusterIcon(p.count, p.unsafe), title: label, alt: label,
          keyboard: true });
        marker.on("click", () => map.setView([lat, lon], Math.min(map.getZoom() + 2, 19)));
        layer.addLayer(marker);
      }
    }
  }

  async function refresh() {
    const bounds = map.getBounds();
    const url = new URL(labels.clusters, window.location.href);
    url.searchParams.set("bbox", [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()]
      .map((v) => v.toFixed(6)).join(","));
    url.searchParams.set("zoom", String(map.getZoom()));
    pending?.abort();
    pending = new AbortController();
    try {
      const response = await fetch(url, { signal: pending.signal, credentials: "same-origin" });
      if (response.ok) draw(await response.json());
    } catch (error) {
      if (error.name !== "AbortError") throw error;
    }
  }

  map.on("moveend", refresh);
  if (extent) {
    const [west, south, east, north] = extent;
    map.fitBounds([[south, west], [north, east]], { padding: [24, 24], maxZoom: 17 });
  }
  // The tables come after the map (they take longer to count): fetched, then wired to the map.
  const figures = document.getElementById("situation-figures");
  async function loadFigures() {
    const response = await fetch(figures.dataset.src, { credentials: "same-origin" });
    if (!response.ok) return;
    figures.innerHTML = await response.text();
    figures.setAttribute("aria-busy", "false");
    hotspots = readJson("situation-hotspots") ?? [];
    drawHotspots();
    figures.querySelectorAll("[data-show-hotspot]").forEach((button) => {
      button.addEventListener("click", () => {
        const [lat, lon] = hotspots[Number(button.dataset.showHotspot)];
        map.setView([lat, lon], 18);
        container.scrollIntoView({ behavior: "smooth", block: "center" });
      });
    });
  }
  if (figures) loadFigures();
}
