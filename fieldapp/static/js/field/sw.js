// fieldapp service worker: the field page opens offline after one online visit.
// App shell and vendored libraries: cache first. The server stamps VERSION with a hash of the shell
// files, so any change to them installs a new worker and a fresh cache (no revalidation per load).
// Field pages and walk data: network first, cache as fallback. Map tiles and photos already seen:
// cache first. Writes (PUT/DELETE) are never cached: the page's IndexedDB outbox owns them.
const VERSION = "fieldapp-v__SHELL_HASH__";
const SHELL = `${VERSION}-shell`;
const PAGES = `${VERSION}-pages`;
const TILES = "fieldapp-tiles";
const MAX_TILES = 3000;
// A kept walk page is shown when the network has not answered within this time (slow 3G: one round trip
// alone is 2 s); the network's answer still refreshes the kept copy for the next visit.
const PAGE_DEADLINE_MS = 300;

const SHELL_FILES = [
  "/static/css/app.css",
  "/static/css/field.css",
  "/static/vendor/leaflet-1.9.4/leaflet.css",
  "/static/vendor/leaflet-1.9.4/leaflet.js",
  "/static/vendor/idb-8.0.4/index.js",
  "/static/vendor/leaflet.markercluster-1.5.3/leaflet.markercluster.js",
  "/static/vendor/leaflet.markercluster-1.5.3/MarkerCluster.css",
  "/static/js/field/main.js",
  "/static/js/field/capture.js",
  "/static/js/field/everyone.js",
  "/static/js/field/findings.js",
  "/static/js/field/followup.js",
  "/static/js/field/i18n.js",
  "/static/js/field/live.js",
  "/static/js/field/map.js",
  "/static/js/field/early.js",
  "/static/js/field/precache.js",
  "/static/js/field/outbox.js",
  "/static/js/field/photos.js",
  "/static/js/field/position.js",
  "/static/js/field/progress.js",
  "/static/js/field/sheet.js",
  "/static/js/field/store.js",
  "/static/js/field/sync.js",
  "/static/js/field/sync-view.js",
  "/static/js/map-view.js",
  "/static/js/field/tabs.js",
  "/static/js/field/theme.js",
  "/static/icons/icon-192.png",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(SHELL_FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("fieldapp-v") && !k.startsWith(VERSION)).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

// A walk page is kept under one key per language: /w/<slug>?lang=sv|en, and the bare /w/<slug> (the
// manifest's start_url, opened in the language last used). Other query parameters do not make another copy.
function walkPageKey(url) {
  const parsed = new URL(url, self.location.origin);
  const lang = parsed.searchParams.get("lang");
  return parsed.origin + parsed.pathname.replace(/\/$/, "") + (lang === "sv" || lang === "en" ? `?lang=${lang}` : "");
}

function isWalkPage(url) {
  return /^\/w\/[^/]+\/?$/.test(new URL(url, self.location.origin).pathname);
}

// The kept copy for a walk page URL: its own language, else the bare page, else any language.
async function cachedWalkPage(cache, url) {
  const key = walkPageKey(url);
  const bare = key.replace(/\?.*$/, "");
  for (const candidate of [key, bare, `${bare}?lang=sv`, `${bare}?lang=en`]) {
    const hit = await cache.match(candidate, { ignoreVary: true });
    if (hit) return hit;
  }
  return undefined;
}

// The page asks us to keep itself (in both languages) and its walk data, so it opens offline after one
// online visit from the home-screen icon or after a language switch. Fetched one after another in the
// order given: the page puts its own language last, so the lang cookie each ?lang= sets ends as it was.
self.addEventListener("message", (event) => {
  if (event.data?.type === "cache-urls") {
    const reply = (ok) => event.ports[0]?.postMessage({ ok });
    event.waitUntil((async () => {
      const cache = await caches.open(PAGES);
      for (const url of event.data.urls) {
        const response = await fetch(url, { credentials: "same-origin" });
        if (!response.ok) throw new Error(`${url}: ${response.status}`);
        await cache.put(isWalkPage(url) ? walkPageKey(url) : url, response);
      }
    })().then(() => reply(true), () => reply(false)));
  }
});

async function networkFirst(request, cacheName) {
  const cache = await caches.open(cacheName);
  const walkPage = request.mode === "navigate" && isWalkPage(request.url);
  const kept = () => (walkPage ? cachedWalkPage(cache, request.url) : cache.match(request, { ignoreVary: true }));
  try {
    const response = await fetch(request);
    if (response.ok) {
      if (walkPage) {
        // Also under the bare key: the home-screen icon opens the language last used.
        const key = walkPageKey(request.url);
        await cache.put(key, response.clone());
        await cache.put(key.replace(/\?.*$/, ""), response.clone());
      } else {
        cache.put(request, response.clone());
      }
    }
    if (response.status === 403 && request.mode === "navigate") {
      // The session cookie expired (or the link was replaced): open the kept page anyway, so its outbox
      // can re-join with the phone's participant key and send, or show why it cannot.
      const cached = await kept();
      if (cached) return cached;
    }
    return response;
  } catch (error) {
    const cached = await kept();
    if (cached) return cached;
    throw error;
  }
}

// A walk page: the network's copy if it comes quickly, else the kept one (opening in ≤ 1 s on slow 3G).
async function walkPage(event) {
  const kept = await cachedWalkPage(await caches.open(PAGES), event.request.url);
  const network = networkFirst(event.request, PAGES);
  if (!kept) return network;
  event.waitUntil(network.catch(() => undefined));
  const deadline = new Promise((resolve) => setTimeout(() => resolve(kept), PAGE_DEADLINE_MS));
  return Promise.race([network.catch(() => kept), deadline]);
}

// Background Sync: the network is back; wake the open field pages' outboxes (each holds the per-walk lock).
self.addEventListener("sync", (event) => {
  if (!event.tag.startsWith("fieldapp-outbox-")) return;
  event.waitUntil(
    self.clients.matchAll({ type: "window" }).then((clients) => {
      for (const client of clients) client.postMessage({ type: "flush-outbox" });
    }),
  );
});

async function cacheFirst(request, cacheName) {
  const cache = await caches.open(cacheName);
  const cached = await cache.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok || response.type === "opaque") cache.put(request, response.clone());
  return response;
}

async function trimTiles() {
  const cache = await caches.open(TILES);
  const keys = await cache.keys();
  for (const key of keys.slice(0, Math.max(0, keys.length - MAX_TILES))) await cache.delete(key);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    if (request.destination === "image") {
      event.respondWith(cacheFirst(request, TILES).finally(() => trimTiles()));
    }
    return;
  }
  if (SHELL_FILES.includes(url.pathname)) {
    event.respondWith(cacheFirst(request, SHELL));
  } else if (url.pathname.startsWith("/photos/")) {
    event.respondWith(cacheFirst(request, PAGES));
  } else if (request.mode === "navigate" && isWalkPage(request.url)) {
    event.respondWith(walkPage(event));
  } else if (request.mode === "navigate" && url.pathname.startsWith("/w/")) {
    event.respondWith(networkFirst(request, PAGES));
  } else if (url.pathname.startsWith("/api/v1/walks/") || url.pathname.endsWith("manifest.webmanifest")) {
    event.respondWith(networkFirst(request, PAGES));
  }
});
