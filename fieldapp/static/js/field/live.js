// Live updates: an EventSource on the walk's event stream says when its findings changed, and the page
// fetches them at once. While there is no stream (an old browser, the server busy or not threaded,
// offline, a session to re-join first) the page polls instead, and tries the stream again now and then.
const RETRY_STREAM_MS = 60_000;

export class LiveUpdates {
  /**
   * @param {object} options
   * @param {string} options.url the event stream
   * @param {() => void} options.onChange fetch the findings again
   * @param {number} options.pollMs how often to fetch while there is no stream
   * @param {HTMLElement} options.element gets data-live="stream|polling" (for tests and styling)
   */
  constructor({ url, onChange, pollMs, element }) {
    Object.assign(this, { url, onChange, pollMs, element });
    this.source = null;
    this.connected = false;
  }

  start() {
    window.setInterval(() => {
      if (!this.connected) this.onChange();
    }, this.pollMs);
    window.addEventListener("online", () => this.connect());
    window.addEventListener("offline", () => this.disconnect());
    this.connect();
  }

  setConnected(connected) {
    this.connected = connected;
    this.element.dataset.live = connected ? "stream" : "polling";
  }

  connect() {
    if (!("EventSource" in window) || this.source || !navigator.onLine) {
      this.setConnected(false);
      return;
    }
    const source = new EventSource(this.url, { withCredentials: true });
    this.source = source;
    source.addEventListener("open", () => this.setConnected(true));
    source.addEventListener("findings", () => this.onChange());
    source.addEventListener("error", () => {
      this.setConnected(false);
      // CONNECTING: the browser reconnects by itself (the stream ends every few minutes by design).
      // CLOSED: refused (busy, not joined any more…): poll, and try the stream again later.
      if (source.readyState === EventSource.CLOSED) {
        this.source = null;
        window.setTimeout(() => this.connect(), RETRY_STREAM_MS);
      }
    });
  }

  disconnect() {
    this.source?.close();
    this.source = null;
    this.setConnected(false);
  }
}
