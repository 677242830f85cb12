// The field page: boots the map, GPS, the outbox and the add-finding sheet.
import { t } from "./i18n.js";
import { FieldMap } from "./map.js";
import { Outbox } from "./outbox.js";
import { currentStop, progressAlong } from "./progress.js";
import { FindingSheet } from "./sheet.js";
import * as store from "./store.js";

const root = document.querySelector(".field");
const walk = JSON.parse(document.getElementById("walk-data").textContent);
const slug = root.dataset.slug;
const categoryNames = Object.fromEntries(walk.categories.map((c) => [c.code, c.name]));
const REFRESH_MS = 20_000;

let gpsPosition = null;
let serverFindings = walk.findings?.features ?? [];

const map = new FieldMap(document.getElementById("field-map"), walk);
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
      gpsPosition = { lat: position.coords.latitude, lon: position.coords.longitude, accuracy: position.coords.accuracy };
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

async function render() {
  const records = (await store.findingsForWalk(slug)).filter((r) => !(r.deleted && r.state === "sent"));
  const photos = await store.photosForWalk(slug);
  const local = new Map(records.map((r) => [r.uuid, r]));
  const features = serverFindings.filter((f) => !local.has(f.id)).concat(records.filter((r) => !r.deleted).map(localFeature));
  map.setFindings(features);
  renderList(records, photos);
  const waitingFindings = records.filter((r) => r.state === "pending").length;
  const waitingPhotos = photos.filter((p) => p.state === "pending").length;
  const status = document.getElementById("sync-status");
  const retry = document.getElementById("retry-upload");
  if (waitingFindings || waitingPhotos) {
    status.textContent = t("waiting", { findings: waitingFindings, photos: waitingPhotos });
    status.dataset.state = "waiting";
    retry.hidden = false;
  } else {
    status.textContent = navigator.onLine ? t("allSent") : t("offline");
    status.dataset.state = navigator.onLine ? "sent" : "offline";
    retry.hidden = true;
  }
  status.dataset.waitingFindings = String(waitingFindings);
  status.dataset.waitingPhotos = String(waitingPhotos);
}

const STATE_TEXT = { pending: "statusPending", sent: "statusSent", conflict: "statusConflict", rejected: "statusRejected" };

function renderList(records, photos) {
  const list = document.getElementById("my-findings-list");
  list.replaceChildren();
  const visible = records.filter((r) => !r.deleted);
  if (!visible.length) {
    const empty = document.createElement("li");
    empty.className = "empty";
    empty.textContent = t("noFindings");
    list.append(empty);
    return;
  }
  for (const record of visible.slice().reverse()) {
    const item = document.createElement("li");
    item.className = `finding-item state-${record.state}`;
    item.dataset.uuid = record.uuid;
    const mine = photos.filter((p) => p.finding === record.uuid);
    const title = document.createElement("strong");
    title.textContent = categoryNames[record.body.category] ?? record.body.category;
    const meta = document.createElement("span");
    meta.className = "finding-meta";
    const waitingPhotos = mine.filter((p) => p.state === "pending").length;
    meta.textContent = [record.body.stop ? t("stopPosition", { stop: record.body.stop }) : null,
                        mine.length ? t("photoCount", { count: mine.length }) : null].filter(Boolean).join(" · ");
    const state = document.createElement("span");
    state.className = "finding-state";
    state.dataset.state = record.state === "sent" && waitingPhotos ? "pending" : record.state;
    state.textContent = t(STATE_TEXT[state.dataset.state] ?? "statusPending");
    if (record.error && record.state !== "sent") state.title = record.error;
    item.append(title, meta, state);
    if (record.body.note) {
      const note = document.createElement("p");
      note.className = "finding-note";
      note.textContent = record.body.note;
      item.append(note);
    }
    if (root.dataset.accepts === "true") {
      const actions = document.createElement("div");
      actions.className = "finding-actions";
      const edit = document.createElement("button");
      edit.type = "button";
      edit.className = "button small";
      edit.textContent = t("edit");
      edit.addEventListener("click", async () => sheet.openEdit(record, await store.photosForFinding(record.uuid)));
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "button small danger";
      remove.textContent = t("delete");
      remove.addEventListener("click", () => deleteFinding(record));
      actions.append(edit, remove);
      item.append(actions);
    }
    list.append(item);
  }
}

async function saveFinding({ record, body, newPhotos, removedPhotos, started }) {
  const now = new Date().toISOString();
  const finding = {
    uuid: record?.uuid ?? store.newUuid(),
    walk: slug,
    createdAt: record?.createdAt ?? now,
    updatedAt: now,
    revision: (record?.revision ?? 0) + 1,
    serverVersion: record?.serverVersion ?? null,
    state: "pending",
    deleted: false,
    error: null,
    body,
  };
  const photos = newPhotos.map((p) => ({ uuid: p.uuid, finding: finding.uuid, walk: slug, blob: p.blob, state: "pending",
                                          originalBytes: p.originalBytes, createdAt: now }));
  await store.saveFindingWithPhotos(finding, photos, removedPhotos);
  await render();
  document.body.dataset.lastSaveMs = String(Math.round(performance.now() - started));
  const status = document.getElementById("sync-status");
  status.textContent = `${t("saved")} · ${status.textContent}`;
  outbox.retryNow();
}

async function deleteFinding(record) {
  if (!window.confirm(t("deleteConfirm"))) return;
  const current = await store.getFinding(record.uuid);
  if (current.serverVersion == null && current.state === "pending") {
    await store.putFinding({ ...current, deleted: true, state: "sent", revision: current.revision + 1 });
  } else {
    await store.putFinding({ ...current, deleted: true, state: "pending", revision: current.revision + 1 });
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
document.getElementById("retry-upload").addEventListener("click", () => outbox.retryNow());

// ---- sync: on load, when the network returns, with backoff, and everyone's findings while online ----
outbox.addEventListener("change", render);
window.addEventListener("online", () => {
  outbox.retryNow();
  refreshServerFindings();
});
window.addEventListener("offline", render);

async function refreshServerFindings() {
  if (!navigator.onLine) return;
  try {
    const response = await fetch(`/api/v1/walks/${encodeURIComponent(slug)}/findings`, { credentials: "same-origin" });
    if (response.ok) {
      serverFindings = (await response.json()).features;
      await render();
    }
  } catch {
    // offline or server unreachable: keep what we have
  }
}
setInterval(refreshServerFindings, REFRESH_MS);

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
  navigator.serviceWorker.ready.then((registration) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (event) => {
      root.dataset.offlineReady = String(Boolean(event.data?.ok));
    };
    registration.active?.postMessage(
      { type: "cache-urls", urls: [location.pathname + location.search, `/api/v1/walks/${encodeURIComponent(slug)}`] },
      [channel.port2],
    );
  });
}
if (navigator.storage?.persist) navigator.storage.persist().catch(() => {});

await render();
outbox.flush();
refreshServerFindings();
root.dataset.ready = "true";
