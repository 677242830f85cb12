// The field page before its heavy parts have arrived (slow networks; one module, as every request costs a
// round trip there).
// The map: Leaflet is the largest download of the page (≈ 45 KB), and the first tap ("Add finding") does
// not need it: the page draws the route as a skeleton (server-rendered SVG, walk.html) and loads Leaflet,
// its stylesheet and map.js after the page is usable. Until then calls to the map (method calls only) are
// kept and replayed in order. A hint in the map says what is still coming.
// The sheet: the Add button works before the scripts have arrived: it opens the sheet by itself (the HTML
// command="show-modal", walk.html) and a person can start choosing. When the scripts are there, the sheet
// that is already open is set up like a new one, keeping what was chosen and the photos picked, and Save
// (disabled until then, so nothing is lost by saving too early) is turned on.
/* global L */
import { t } from "./i18n.js";

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(script);
  });
}

function loadStyle(href) {
  return new Promise((resolve, reject) => {
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = href;
    link.onload = resolve;
    link.onerror = () => reject(new Error(`could not load ${href}`));
    document.head.append(link);
  });
}

/** The hint over the map: a text, or hidden (null). */
function setHint(container, text) {
  const hint = container.querySelector(".map-hint");
  hint.hidden = !text;
  hint.textContent = text ?? "";
}

/** Follow the tile layer: "map images are loading" until the first visible ones are there, and say so
 * when they are missing (offline and not kept). The map's data-tiles says loading / loaded / missing. */
function watchTiles(fieldMap, container) {
  let tiles = null;
  fieldMap.map.eachLayer((layer) => {
    if (layer instanceof L.TileLayer) tiles = layer;
  });
  if (!tiles) {
    setHint(container, null);
    return;
  }
  let failed = 0;
  tiles.on("loading", () => {
    failed = 0;
    container.dataset.tiles = "loading";
  });
  tiles.on("tileerror", () => {
    failed += 1;
  });
  tiles.on("load", () => {
    container.dataset.tiles = failed ? "missing" : "loaded";
    setHint(container, failed ? t("tilesMissing") : null);
  });
  if (tiles.isLoading()) setHint(container, t("tilesLoading"));
  else container.dataset.tiles = "loaded";
}

/** A stand-in for FieldMap: method calls are kept until Leaflet and map.js have arrived, then replayed. */
export function lazyFieldMap(container, walk) {
  const queued = [];
  let real = null;
  const ready = (async () => {
    const { leafletCss, leafletJs, clusterCss, clusterJs } = container.dataset;
    await Promise.all([loadStyle(leafletCss), loadStyle(clusterCss), loadScript(leafletJs)]);
    await loadScript(clusterJs); // the marker-cluster plugin extends the loaded Leaflet
    const { FieldMap } = await import("./map.js");
    real = new FieldMap(container, walk);
    container.querySelector(".map-skeleton")?.remove();
    watchTiles(real, container);
    for (const [name, args] of queued.splice(0)) real[name](...args);
    return real;
  })();
  ready.catch(() => setHint(container, t("mapUnavailable")));
  return new Proxy({}, {
    get(_, name) {
      if (name === "ready") return ready;
      if (name === "then") return undefined; // not a thenable
      return (...args) => (real ? real[name](...args) : queued.push([name, args]));
    },
  });
}

/** The GPS position usually arrives just after the scripts: put it into the early sheet when it does,
 * unless a position or a stop was chosen meanwhile. */
function waitForGps(sheet, dialog, form) {
  const timer = setInterval(() => {
    if (!dialog.open || sheet.position || form.elements.namedItem("stop")?.value) {
      clearInterval(timer);
    } else if (sheet.gps()) {
      clearInterval(timer);
      sheet.useGps();
    }
  }, 250);
  setTimeout(() => clearInterval(timer), 60_000);
}

/** Hand the Add button and the sheet over to the scripts; set up a sheet the button already opened. */
export function adoptEarlySheet(sheet, dialog, addButton) {
  addButton?.removeAttribute("command");
  addButton?.removeAttribute("commandfor");
  const save = dialog.querySelector("#sheet-save");
  if (dialog.open) {
    const form = dialog.querySelector("form");
    const chosen = [...new FormData(form).entries()];
    const photos = ["photo-camera", "photo-gallery"].flatMap((id) => [...(form.querySelector(`#${id}`)?.files ?? [])]);
    sheet.openNew(); // resets the form; the dialog stays open
    for (const [name, value] of chosen) {
      const field = form.elements.namedItem(name);
      if (field instanceof RadioNodeList) {
        for (const radio of field) radio.checked = radio.value === value;
      } else if (field && typeof value === "string") {
        field.value = value;
      }
    }
    sheet.categoryChanged(false);
    sheet.renderPosition();
    sheet.renderNoteCount();
    if (photos.length) sheet.addPhotos(photos);
    waitForGps(sheet, dialog, form);
  }
  save.disabled = false;
  dialog.dataset.ready = "true";
}
