// The field page: boots the map, GPS, the outbox and the add-finding sheet.
import { t } from "./i18n.js";
import { adoptEarlySheet, lazyFieldMap } from "./early.js";
import { Outbox } from "./outbox.js";
import { currentStop, progressAlong } from "./progress.js";
import { FindingSheet } from "./sheet.js";
import * as store from "./store.js";
import { SyncView, confirmInPage } from "./sync-view.js";

const root = document.querySelector(".field");
const walk = JSON.parse(document.getElementById("walk-data").textContent);
const slug = root.dataset.slug;
const categoryNames = Object.fromEntries(walk.categories.map((c) => [c.code, c.name]));
const REFRESH_MS = 20_000;

let gpsPosition = null;
let serverFindings = walk.findings?.features ?? [];

const map = lazyFieldMap(document.getElementById("field-map"), walk);
const outbox = new Outbox(slug);

// ---- theme: dark in the evening unless the person chose otherwise ----
function applyTheme(choice) {
  const dark = choice === "dark" || (choice === "auto" && root.dataset.darkNow === "true");
  document.documentElement.dataset.theme = dark ? "dark" : "light";
  const toggle = document.getElementById("theme-toggle");
  toggle.setAttribute("aria-pressed", String(dark));
  document.getElementById("theme-toggle-label").textContent = t("themeDark");
}
applyTheme(localStorage.getItem("theme") ?? root.dataset.themeChoice ?? "auto");
document.getElementById("theme-toggle").addEventListener("click", () => {
  const next = document.documentElement.dataset.theme === "dark" ? "light" : "dark";
  localStorage.setItem("theme", next);
  document.cookie = `theme=${next}; path=/; max-age=31536000; samesite=lax`;
  applyTheme(next);
});

// ---- GPS ----
function showProgress() {
  const line = document.getElementById("progress");
  if (!gpsPosition || !walk.route) return;
  const progress = progressAlong(walk.route.geometry, [gpsPosition.lon, gpsPosition.lat]);
  const stops = walk.stops.features;
  const stop = currentStop(walk.route.geometry, stops, progress.alongM);
  let text = t("stopProgress", { stop: stop ?? "–", total: stops.length, metres: Math.round(progress.alongM) });
  if (progress.offsetM > 50) text += ` · ${t("offRoute", { metres: Math.round(progress.offsetM) })}`;
  line.textContent = text;
}

if ("geolocation" in navigator) {
  navigator.geolocation.watchPosition(
    (position) => {
      const { latitude, longitude, accuracy, heading, speed } = position.coords;
      // A heading is only meaningful while moving; a standing phone reports null or NaN.
      const moving = Number.isFinite(heading) && !(speed === 0);
      gpsPosition = { lat: latitude, lon: longitude, accuracy, heading: moving ? heading : null };
      map.setPosition(gpsPosition);
      document.getElementById("gps-status").textContent = t("accuracy", { metres: Math.round(gpsPosition.accuracy) });
      showProgress();
    },
    () => {
      document.getElementById("progress").textContent = t("positionDenied");
    },
    { enableHighAccuracy: true, maximumAge: 10_000, timeout: 30_000 },
  );
}

// ---- findings: local (IndexedDB) first, then the server's ----
function localFeature(record) {
  const body = record.body;
  const stop = walk.stops.features.find((f) => f.properties.seq === body.stop);
  const coordinates = body.lon != null ? [body.lon, body.lat] : stop?.geometry.coordinates;
  return {
    type: "Feature",
    id: record.uuid,
    geometry: coordinates ? { type: "Point", coordinates } : null,
    properties: { category_name: categoryNames[body.category] ?? body.category, polarity: body.polarity,
                  note: body.note, mine: true, pending: record.state !== "sent" },
  };
}

const view = new SyncView({
  outbox,
  categoryNames,
  accepts: root.dataset.accepts === "true",
  onEdit: async (record) => sheet.openEdit(record, (await store.photosForFinding(record.uuid)).filter((p) => !p.withdrawn)),
  onDelete: (record) => deleteFinding(record),
});

async function render() {
  const records = await store.findingsForWalk(slug);
  const photos = await store.photosForWalk(slug);
  const shown = records.filter((r) => !r.deleted);
  const local = new Map(records.map((r) => [r.uuid, r]));
  map.setFindings(serverFindings.filter((f) => !local.has(f.id)).concat(shown.map(localFeature)));
  view.render(records, photos);
  if (records.some((r) => r.state === "pending") || photos.some((p) => p.state === "pending")) requestBackgroundSync();
}

// Background Sync (where the browser has it): the service worker wakes this page to send once the network
// is back, even when the tab is in the background. Without it the page still sends on open and on `online`.
let syncRequestedAt = 0;
function requestBackgroundSync() {
  if (!("serviceWorker" in navigator) || Date.now() - syncRequestedAt < 10_000) return;
  syncRequestedAt = Date.now();
  navigator.serviceWorker.ready
    .then((registration) => registration.sync?.register(`fieldapp-outbox-${slug}`))
    .catch(() => {});
}

/** Run a change to what is stored on this phone; a full storage is said plainly, next to the sync status. */
async function storing(action) {
  try {
    await action();
    return true;
  } catch (error) {
    if (!(error instanceof store.StorageFull)) throw error;
    view.showProblem(t("storageFull"));
    return false;
  }
}

async function saveFinding({ record, body, newPhotos, removedPhotos, started }) {
  const now = new Date().toISOString();
  const current = record ? await store.getFinding(record.uuid) : null;
  const finding = {
    ...(current ?? {}),
    uuid: record?.uuid ?? store.newUuid(),
    walk: slug,
    createdAt: current?.createdAt ?? now,
    updatedAt: now,
    revision: (current?.revision ?? 0) + 1,
    serverVersion: current?.serverVersion ?? null,
    state: "pending",
    reason: null,
    attempts: 0,
    nextAttemptAt: 0,
    deleted: false,
    body,
  };
  const photos = newPhotos.map((p) => ({ uuid: p.uuid, finding: finding.uuid, walk: slug, blob: p.blob, state: "pending",
                                          attempts: 0, originalBytes: p.originalBytes, createdAt: now }));
  if (!(await storing(() => store.saveFindingWithPhotos(finding, photos, removedPhotos)))) return false;
  await render();
  document.body.dataset.lastSaveMs = String(Math.round(performance.now() - started));
  const status = document.getElementById("sync-status");
  status.textContent = `${t("saved")} · ${status.textContent}`;
  outbox.retryNow();
  return true;
}

async function deleteFinding(record) {
  if (!(await confirmInPage(t("deleteConfirm"), t("delete")))) return;
  const current = await store.getFinding(record.uuid);
  if (current.serverVersion == null && !(current.attempts > 0)) {
    await storing(() => store.deleteFinding(current.uuid)); // never reached the server: nothing to withdraw
  } else {
    await storing(() => store.putFinding({ ...current, deleted: true, state: "pending", reason: null, attempts: 0,
                                           nextAttemptAt: 0, revision: current.revision + 1 }));
  }
  await render();
  outbox.retryNow();
}

const sheet = new FindingSheet({
  dialog: document.getElementById("finding-sheet"),
  map,
  walk,
  gps: () => gpsPosition,
  onSave: saveFinding,
  pickBar: document.getElementById("pick-bar"),
});
document.getElementById("add-finding")?.addEventListener("click", () => sheet.openNew());
adoptEarlySheet(sheet, document.getElementById("finding-sheet"), document.getElementById("add-finding"));
// Without GPS the page says "tap the map": a tap there starts a finding at that place.
if (document.getElementById("add-finding")) {
  map.onTap((latlng) => {
    if (!gpsPosition) sheet.openAt(latlng);
  });
}
document.getElementById("retry-upload").addEventListener("click", () => outbox.retryNow());

// ---- sync: on load, when the network returns, with backoff, and everyone's findings while online ----
outbox.addEventListener("change", render);
const rejoinData = document.getElementById("rejoin-data");
if (rejoinData) await storing(() => outbox.remember(JSON.parse(rejoinData.textContent)));
window.addEventListener("online", () => {
  outbox.retryNow();
  refreshServerFindings();
});
window.addEventListener("offline", render);

async function refreshServerFindings() {
  if (!navigator.onLine) return;
  try {
    // outbox.request re-joins silently when the session cookie is gone (the page may come from the cache)
    const response = await outbox.request(`/api/v1/walks/${encodeURIComponent(slug)}/findings`, { method: "GET" });
    if (response.ok) {
      serverFindings = (await response.json()).features;
      await render();
    }
  } catch {
    // offline or server unreachable: keep what we have
  }
}
setInterval(refreshServerFindings, REFRESH_MS);

/** This walk's page in both languages, this page's own last (its ?lang= sets the cookie), then the bare URL. */
function walkPageUrls() {
  const own = document.documentElement.lang === "en" ? "en" : "sv";
  const other = own === "en" ? "sv" : "en";
  return [`${location.pathname}?lang=${other}`, `${location.pathname}?lang=${own}`, location.pathname];
}

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
  navigator.serviceWorker.addEventListener("message", (event) => {
    if (event.data?.type === "flush-outbox") outbox.retryNow();
  });
  navigator.serviceWorker.ready.then((registration) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (event) => {
      root.dataset.offlineReady = String(Boolean(event.data?.ok));
    };
    registration.active?.postMessage(
      { type: "cache-urls", urls: walkPageUrls().concat(`/api/v1/walks/${encodeURIComponent(slug)}`) },
      [channel.port2],
    );
  });
}
if (navigator.storage?.persist) navigator.storage.persist().catch(() => {});

await render();
outbox.retryNow(); // on page open everything waiting is due, whatever backoff an earlier visit left
refreshServerFindings();
root.dataset.ready = "true";
