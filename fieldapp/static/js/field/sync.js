// Sync wiring: the outbox sends on page open, when the network returns, with backoff and when the service
// worker wakes it (Background Sync); everyone's findings arrive by live events (or polling); the service
// worker keeps this walk's page in both languages for offline starts.
import { LiveUpdates } from "./live.js";

const POLL_MS = 20_000; // only while there is no live stream

export class SyncWiring {
  /**
   * @param {object} options
   * @param {HTMLElement} options.root the .field element
   * @param {string} options.slug
   * @param {import("./outbox.js").Outbox} options.outbox
   * @param {import("./findings.js").FindingsView} options.findings
   */
  constructor({ root, slug, outbox, findings }) {
    Object.assign(this, { root, slug, outbox, findings });
    this.syncRequestedAt = 0;
  }

  /** Draw the findings, and ask for a Background Sync while something waits to be sent. */
  async render() {
    if (await this.findings.render()) this.requestBackgroundSync();
  }

  start() {
    this.outbox.addEventListener("change", () => this.render());
    window.addEventListener("online", () => {
      this.outbox.retryNow();
      this.refreshServerFindings();
    });
    window.addEventListener("offline", () => this.render());
    document.getElementById("retry-upload").addEventListener("click", () => this.outbox.retryNow());
    this.live = new LiveUpdates({ url: `/w/${encodeURIComponent(this.slug)}/events`, pollMs: POLL_MS,
                                  onChange: () => this.refreshServerFindings(), element: this.root });
    this.live.start();
    this.registerServiceWorker();
    if (navigator.storage?.persist) navigator.storage.persist().catch(() => {});
  }

  async refreshServerFindings() {
    if (!navigator.onLine) return;
    try {
      // outbox.request re-joins silently when the session cookie is gone (the page may come from the cache)
      const response = await this.outbox.request(`/api/v1/walks/${encodeURIComponent(this.slug)}/findings`,
                                                 { method: "GET" });
      if (response.ok) {
        this.findings.setServerFindings((await response.json()).features);
        await this.render();
      }
    } catch {
      // offline or server unreachable: keep what we have
    }
  }

  // Background Sync (where the browser has it): the service worker wakes this page to send once the network
  // is back, even when the tab is in the background. Without it the page still sends on open and on `online`.
  requestBackgroundSync() {
    if (!("serviceWorker" in navigator) || Date.now() - this.syncRequestedAt < 10_000) return;
    this.syncRequestedAt = Date.now();
    navigator.serviceWorker.ready
      .then((registration) => registration.sync?.register(`fieldapp-outbox-${this.slug}`))
      .catch(() => {});
  }

  /** This walk's page in both languages, this page's own last (its ?lang= sets the cookie), then the bare URL. */
  walkPageUrls() {
    const own = document.documentElement.lang === "en" ? "en" : "sv";
    const other = own === "en" ? "sv" : "en";
    return [`${location.pathname}?lang=${other}`, `${location.pathname}?lang=${own}`, location.pathname];
  }

  registerServiceWorker() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (event.data?.type === "flush-outbox") this.outbox.retryNow();
    });
    navigator.serviceWorker.ready.then((registration) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = (event) => {
        this.root.dataset.offlineReady = String(Boolean(event.data?.ok));
      };
      registration.active?.postMessage(
        { type: "cache-urls", urls: this.walkPageUrls().concat(`/api/v1/walks/${encodeURIComponent(this.slug)}`) },
        [channel.port2],
      );
    });
  }
}
