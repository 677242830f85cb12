// Route-area map download (tile pre-cache): on joining, the phone fetches the map tiles covering the route
// plus a buffer at the walk's zoom levels (the list comes from the server, gis/tiles.py) into the service
// worker's tile cache, so the map shows with no network on the walk. Only where the tile source allows bulk
// fetching (the page includes this module only then). On Wi-Fi it starts by itself; on mobile data, or when
// the browser does not say (navigator.connection), it asks first. A progress bar, a stop button, a size cap.
import { t } from "./i18n.js";

const TILES = "fieldapp-tiles"; // the service worker's tile cache (sw.js)
const PARALLEL = 4;
const section = document.getElementById("precache");
const slug = document.querySelector(".field").dataset.slug;
const memoryKey = `fieldapp-precache-${slug}`;
const megabytes = new Intl.NumberFormat(document.documentElement.lang || "sv",
                                        { style: "unit", unit: "megabyte", maximumFractionDigits: 1 });
const size = (bytes) => megabytes.format(Math.max(0.1, bytes / 1_000_000));

/** The URL Leaflet asks for this tile (same subdomain choice: (x + y) mod 3, no retina suffix). */
export function tileUrl(template, [z, x, y]) {
  return template.replaceAll("{s}", "abc"[Math.abs(x + y) % 3]).replaceAll("{z}", z).replaceAll("{x}", x)
    .replaceAll("{y}", y).replaceAll("{r}", "");
}

function show(state, text) {
  section.hidden = false;
  section.dataset.state = state;
  document.getElementById("precache-text").textContent = text;
  section.querySelector(".precache-ask").hidden = state !== "ask";
  section.querySelector(".precache-progress").hidden = state !== "running";
}

function remember(state, extra = {}) {
  localStorage.setItem(memoryKey, JSON.stringify({ state, at: new Date().toISOString(), ...extra }));
}

/** true on Wi-Fi or a cable, false on mobile data or with data saving on, null when the browser does not say. */
function unmetered() {
  const connection = navigator.connection;
  if (!connection?.type) return null;
  if (connection.saveData || connection.type === "cellular") return false;
  return ["wifi", "ethernet"].includes(connection.type) ? true : null;
}

async function download(plan) {
  const cache = await caches.open(TILES);
  const urls = plan.tiles.map((tile) => tileUrl(plan.tile_url, tile));
  const bar = document.getElementById("precache-bar");
  const controller = new AbortController();
  let next = 0;
  let done = 0;
  let bytes = 0;
  let failed = 0;
  let outcome = null; // "stopped" | "capped"
  bar.max = Math.max(1, urls.length);
  const progress = () => {
    bar.value = done;
    show("running", t("precacheProgress", { done, count: urls.length }));
  };
  section.querySelector("[data-action=precache-stop]").onclick = () => {
    outcome = "stopped";
    controller.abort();
  };
  progress();
  async function worker() {
    while (next < urls.length && !outcome) {
      const url = urls[next++];
      if (!(await cache.match(url))) {
        try {
          const response = await fetch(url, { mode: "cors", credentials: "omit", signal: controller.signal });
          if (!response.ok) throw new Error(`${response.status}`);
          const body = await response.blob();
          if (bytes + body.size > plan.max_bytes) {
            outcome ??= "capped";
            return;
          }
          bytes += body.size;
          await cache.put(url, new Response(body, { headers: response.headers }));
        } catch {
          if (outcome) return;
          failed += 1;
          continue;
        }
      }
      done += 1;
      progress();
    }
  }
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  if (outcome === "stopped") {
    remember("stopped", { count: done });
    show("stopped", t("precacheStopped"));
  } else if (outcome === "capped") {
    remember("capped", { count: done, bytes });
    show("capped", t("precacheCapped", { size: size(plan.max_bytes) }));
  } else if (failed) {
    remember("failed", { count: done });
    show("failed", t("precacheFailed"));
  } else {
    remember("done", { count: done, bytes });
    show("done", t("precacheDone", { count: done, size: size(bytes) }));
  }
}

async function start() {
  const earlier = JSON.parse(localStorage.getItem(memoryKey) ?? "null");
  if (["done", "declined", "stopped", "capped"].includes(earlier?.state) || !navigator.onLine || !("caches" in window)) return;
  let plan;
  try {
    const response = await fetch(section.dataset.planUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) return;
    plan = await response.json();
  } catch {
    return; // no network now: asked again on the next visit
  }
  if (!plan.tiles.length) return;
  if (unmetered()) {
    await download(plan);
    return;
  }
  show("ask", t("precacheAsk", { size: size(plan.estimated_bytes) }));
  section.querySelector("[data-action=precache-start]").onclick = () => download(plan);
  section.querySelector("[data-action=precache-decline]").onclick = () => {
    remember("declined");
    section.hidden = true;
  };
}

// After the page has loaded: the download must not slow down the first tap on a slow network.
if (document.readyState === "complete") start();
else window.addEventListener("load", () => start(), { once: true });
