// Finding page: drag the position marker; drag a rectangle over a photo to fill the blur form.
/* global L */
import { baseMap, readJson, stopIcon } from "./map-base.js";

function setupPosition() {
  const container = document.getElementById("position-map");
  const data = readJson("walk-data");
  if (!container || !data?.position) return;
  const map = baseMap(container);
  if (data.route) L.geoJSON(data.route, { style: { color: "#1d4ed8", weight: 4, opacity: 0.7 } }).addTo(map);
  L.geoJSON(data.stops, { pointToLayer: (f, latlng) => L.marker(latlng, { icon: stopIcon(f.properties.seq), title: f.properties.name }) }).addTo(map);
  const lon = document.getElementById("finding-lon");
  const lat = document.getElementById("finding-lat");
  const marker = L.marker([data.position.lat, data.position.lon], { draggable: true, keyboard: true, title: container.getAttribute("aria-label") }).addTo(map);
  marker.on("dragend", () => {
    const p = marker.getLatLng();
    lon.value = p.lng.toFixed(7);
    lat.value = p.lat.toFixed(7);
  });
  map.setView(marker.getLatLng(), 18);
  container.dataset.ready = "true";
}

function setupBlur(area) {
  const img = area.querySelector("img");
  const box = area.querySelector(".blur-box");
  const form = area.closest("li").querySelector(".blur-form");
  const inputs = Object.fromEntries([...form.querySelectorAll("[data-blur]")].map((el) => [el.dataset.blur, el]));
  let start = null;
  const fraction = (event) => {
    const r = img.getBoundingClientRect();
    return { x: Math.min(1, Math.max(0, (event.clientX - r.left) / r.width)), y: Math.min(1, Math.max(0, (event.clientY - r.top) / r.height)) };
  };
  const draw = (a, b) => {
    const x = Math.min(a.x, b.x);
    const y = Math.min(a.y, b.y);
    const w = Math.abs(a.x - b.x);
    const h = Math.abs(a.y - b.y);
    box.hidden = false;
    box.style.insetInlineStart = `${x * 100}%`;
    box.style.insetBlockStart = `${y * 100}%`;
    box.style.inlineSize = `${w * 100}%`;
    box.style.blockSize = `${h * 100}%`;
    inputs.x.value = (x * 100).toFixed(1);
    inputs.y.value = (y * 100).toFixed(1);
    inputs.width.value = Math.max(1, w * 100).toFixed(1);
    inputs.height.value = Math.max(1, h * 100).toFixed(1);
  };
  area.addEventListener("pointerdown", (event) => {
    start = fraction(event);
    area.setPointerCapture(event.pointerId);
    event.preventDefault();
  });
  area.addEventListener("pointermove", (event) => { if (start) draw(start, fraction(event)); });
  area.addEventListener("pointerup", (event) => {
    if (start) draw(start, fraction(event));
    start = null;
  });
}

// The detector's suggestions: outline each box (fractions of the image) on the photo.
function placeSuggestions(area) {
  area.querySelectorAll(".suggestion-box").forEach((el) => {
    const [x, y, w, h] = el.dataset.box.split(",").map(Number);
    el.style.insetInlineStart = `${x * 100}%`;
    el.style.insetBlockStart = `${y * 100}%`;
    el.style.inlineSize = `${w * 100}%`;
    el.style.blockSize = `${h * 100}%`;
    el.hidden = false;
  });
}

setupPosition();
document.querySelectorAll(".blur-area").forEach(setupBlur);
document.querySelectorAll(".blur-area").forEach(placeSuggestions);
