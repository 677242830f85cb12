// The outbox: PUTs waiting findings and photos by UUID (so retries never duplicate), on load, on
// `online`, on demand and with backoff. Nothing is removed before the server has acknowledged it.
import * as store from "./store.js";

const MAX_DELAY_MS = 5 * 60 * 1000;
const FIRST_DELAY_MS = 2000;

class RetryLater extends Error {}

function isPermanentFailure(status) {
  return status >= 400 && status < 500 && ![408, 425, 429].includes(status);
}

async function errorMessage(response) {
  try {
    const body = await response.json();
    return body.error?.message ?? response.statusText;
  } catch {
    return response.statusText;
  }
}

export class Outbox extends EventTarget {
  constructor(slug) {
    super();
    this.slug = slug;
    this.delay = 0;
    this.timer = null;
    this.running = false;
    this.again = false;
  }

  async pending() {
    const findings = (await store.findingsForWalk(this.slug)).filter((f) => f.state === "pending");
    const photos = (await store.photosForWalk(this.slug)).filter((p) => p.state === "pending");
    return { findings, photos };
  }

  /** Send now (resets the backoff). */
  retryNow() {
    this.delay = 0;
    return this.flush();
  }

  schedule(ms) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), ms);
  }

  async flush() {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.again = false;
        await this.sendFindings();
        await this.sendPhotos();
      } while (this.again);
      this.delay = 0;
    } catch (error) {
      if (!(error instanceof RetryLater) && !(error instanceof TypeError)) console.error(error);
      this.delay = Math.min(MAX_DELAY_MS, Math.max(FIRST_DELAY_MS, this.delay * 2));
      this.schedule(this.delay);
    } finally {
      this.running = false;
      this.dispatchEvent(new Event("change"));
    }
  }

  async sendFindings() {
    const { findings } = await this.pending();
    for (const finding of findings) {
      const url = `/api/v1/walks/${encodeURIComponent(this.slug)}/findings/${finding.uuid}`;
      const response = finding.deleted
        ? await fetch(url, { method: "DELETE", credentials: "same-origin" })
        : await fetch(url, {
            method: "PUT",
            credentials: "same-origin",
            headers: { "Content-Type": "application/json", Accept: "application/json" },
            body: JSON.stringify({ ...finding.body, base_version: finding.serverVersion ?? null }),
          });
      await this.settleFinding(finding, response);
      this.dispatchEvent(new Event("change"));
    }
  }

  async settleFinding(finding, response) {
    const current = (await store.getFinding(finding.uuid)) ?? finding;
    if (current.revision !== finding.revision) {
      this.again = true; // edited while we were sending: send the newer copy next round
      if (response.ok) {
        const feature = finding.deleted ? null : await response.json();
        current.serverVersion = feature?.properties.version ?? current.serverVersion;
        await store.putFinding(current);
      }
      return;
    }
    if (response.ok) {
      const feature = finding.deleted ? null : await response.json();
      await store.putFinding({
        ...finding,
        state: "sent",
        error: null,
        serverVersion: feature?.properties.version ?? finding.serverVersion,
        sentAt: new Date().toISOString(),
      });
      return;
    }
    if (response.status === 409) {
      const body = await response.json().catch(() => ({}));
      const server = body.error?.details?.current;
      await store.putFinding({
        ...finding,
        state: "conflict",
        error: body.error?.message ?? "",
        server,
        serverVersion: server?.properties?.version ?? finding.serverVersion,
      });
      return;
    }
    if (isPermanentFailure(response.status)) {
      await store.putFinding({ ...finding, state: "rejected", error: await errorMessage(response) });
      return;
    }
    throw new RetryLater(`HTTP ${response.status}`);
  }

  async sendPhotos() {
    const { photos } = await this.pending();
    for (const photo of photos) {
      const finding = await store.getFinding(photo.finding);
      if (!finding || finding.deleted) continue;
      if (finding.serverVersion == null) continue; // the finding itself is not on the server yet
      const response = await fetch(`/api/v1/findings/${photo.finding}/photos/${photo.uuid}`, {
        method: "PUT",
        credentials: "same-origin",
        headers: { "Content-Type": photo.blob.type || "application/octet-stream", Accept: "application/json" },
        body: photo.blob,
      });
      if (response.ok) {
        const body = await response.json();
        await store.putPhoto({ ...photo, state: "sent", error: null, thumbUrl: body.thumb_url,
                               sentBytes: photo.blob.size });
      } else if (isPermanentFailure(response.status)) {
        await store.putPhoto({ ...photo, state: "rejected", error: await errorMessage(response) });
      } else {
        throw new RetryLater(`HTTP ${response.status}`);
      }
      this.dispatchEvent(new Event("change"));
    }
  }
}
