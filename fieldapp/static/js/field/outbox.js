// The outbox: sends waiting findings, photos, photo withdrawals and follow-up checks by UUID (so retries never duplicate).
// One sender per walk across tabs (Web Locks, with a localStorage lease as fallback); each item has its
// own backoff, so one refused or throttled item never holds up the others. The answer to a send is
// written in the same IndexedDB transaction that re-reads the record: an edit made while the request
// was in flight stays waiting (and is sent next) instead of being overwritten as "sent".
// Item states: "pending" (waiting), "sent", "attention" (needs the person: reason in `reason`);
// "sending" is what is in flight right now (`outbox.inFlight`).
import * as store from "./store.js";

const FIRST_DELAY_MS = 2000;
const MAX_DELAY_MS = 5 * 60 * 1000;
const REQUEST_TIMEOUT_MS = 90_000;
const LEASE_MS = 60_000;
const COMPARED_FIELDS = ["category", "felt_safety", "felt_safety_scale", "lighting_check", "stop", "position_source"];

/** Exponential backoff with jitter for the n-th failed attempt, never sooner than the server's Retry-After. */
export function backoffMs(attempts, retryAfter = 0) {
  const base = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.max(0, attempts - 1));
  return Math.max(base / 2 + (Math.random() * base) / 2, retryAfter);
}

function retryAfterMs(response) {
  const value = response.headers.get("Retry-After");
  if (!value) return 0;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : 0;
}

function retryable(status) {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

async function errorOf(response) {
  try {
    const error = (await response.clone().json()).error ?? {};
    return { status: response.status, code: error.code ?? null, message: error.message ?? response.statusText,
             details: error.details ?? null };
  } catch {
    return { status: response.status, code: null, message: response.statusText, details: null };
  }
}

/** Does the server's feature hold what ``body`` says (the fields a person can change)? */
export function sameAsFeature(body, feature) {
  const p = feature?.properties;
  if (!p || !body) return false;
  if (COMPARED_FIELDS.some((k) => (body[k] ?? null) !== (p[k] ?? null))) return false;
  if (body.polarity != null && body.polarity !== p.polarity) return false;
  if ((body.note ?? "").trim() !== (p.note ?? "").trim()) return false;
  if (body.stop == null && body.lon != null) {
    const [lon, lat] = feature.geometry?.coordinates ?? [];
    if (Math.abs(lon - body.lon) > 1e-6 || Math.abs(lat - body.lat) > 1e-6) return false;
  }
  return true;
}

/** The phone's body for a finding as the server has it (used for "keep the server's version"). */
export function bodyFromFeature(feature, previous) {
  const p = feature.properties;
  const [lon, lat] = feature.geometry?.coordinates ?? [null, null];
  return {
    ...previous,
    lon: p.stop != null && p.position_source === "stop" ? null : lon,
    lat: p.stop != null && p.position_source === "stop" ? null : lat,
    accuracy_m: p.accuracy_m, position_source: p.position_source, stop: p.stop, category: p.category,
    polarity: p.polarity, felt_safety: p.felt_safety, felt_safety_scale: p.felt_safety_scale,
    lighting_check: p.lighting_check, note: p.note,
  };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A refused send: a retryable answer backs the item off (honouring Retry-After); any other asks for
 * attention with the server's reason. ``update`` is the store's update for the item; ``stillCurrent`` says
 * whether the answer is about what the item holds now (an edit made meanwhile is sent next instead). */
async function settleRefusal(update, response, error = null, stillCurrent = () => true) {
  const status = response.status;
  if (retryable(status)) {
    await update((cur) => (cur?.state === "pending"
      ? { ...cur, nextAttemptAt: Date.now() + backoffMs(cur.attempts ?? 1, retryAfterMs(response)) } : undefined));
    return;
  }
  const reason = error ?? await errorOf(response);
  await update((cur) => (cur && stillCurrent(cur)
    ? { ...cur, state: "attention", reason: { code: reason.code, message: reason.message, status } } : undefined));
}

export class Outbox extends EventTarget {
  constructor(slug) {
    super();
    this.slug = slug;
    this.id = store.newUuid();
    this.timer = null;
    this.running = null;
    this.again = false;
    this.pauseUntil = 0; // the network is down: no request before this time
    this.inFlight = new Set();
    this.problem = null; // a problem with the phone itself (storage full)
    this.channel = "BroadcastChannel" in self ? new BroadcastChannel(`fieldapp-outbox-${slug}`) : null;
    this.channel?.addEventListener("message", () => this.dispatchEvent(new Event("change")));
  }

  changed() {
    this.dispatchEvent(new Event("change"));
    this.channel?.postMessage("change");
  }

  /** Keep what this phone needs to re-join after its session cookie is gone. */
  async remember(rejoin) {
    await store.putWalk({ slug: this.slug, rejoin });
  }

  /** Send now: every waiting item is due again (the person asked, the network came back, something was saved). */
  async retryNow() {
    this.pauseUntil = 0;
    for (const record of await store.findingsForWalk(this.slug)) {
      if (record.state === "pending" && record.nextAttemptAt) {
        await store.updateFinding(record.uuid, (cur) => (cur?.state === "pending" ? { ...cur, nextAttemptAt: 0 } : undefined));
      }
    }
    for (const photo of await store.photosForWalk(this.slug)) {
      if (photo.state === "pending" && photo.nextAttemptAt) {
        await store.updatePhoto(photo.uuid, (cur) => (cur?.state === "pending" ? { ...cur, nextAttemptAt: 0 } : undefined));
      }
    }
    for (const check of await store.checksForWalk(this.slug)) {
      if (check.state === "pending" && check.nextAttemptAt) {
        await store.updateCheck(check.uuid, (cur) => (cur?.state === "pending" ? { ...cur, nextAttemptAt: 0 } : undefined));
      }
    }
    return this.flush();
  }

  flush() {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.withLock(() => this.pass());
        } while (this.again && Date.now() >= this.pauseUntil);
        this.problem = null;
      } catch (error) {
        this.problem = error instanceof store.StorageFull ? "storageFull" : null;
        if (!this.problem) console.error(error);
      } finally {
        this.running = null;
        this.changed();
        await this.scheduleNext().catch(() => {});
      }
    })();
    return this.running;
  }

  async withLock(work) {
    if (navigator.locks?.request) return navigator.locks.request(`fieldapp-outbox-${this.slug}`, work);
    const key = `fieldapp-outbox-lock-${this.slug}`;
    const lease = () => localStorage.setItem(key, JSON.stringify({ owner: this.id, until: Date.now() + LEASE_MS }));
    for (;;) {
      const held = JSON.parse(localStorage.getItem(key) ?? "null");
      if (!held || held.until < Date.now() || held.owner === this.id) break;
      await sleep(500 + Math.random() * 500);
    }
    lease();
    const heartbeat = setInterval(lease, LEASE_MS / 3);
    try {
      return await work();
    } finally {
      clearInterval(heartbeat);
      localStorage.removeItem(key);
    }
  }

  due(item) {
    return item.state === "pending" && (item.nextAttemptAt ?? 0) <= Date.now();
  }

  async pass() {
    for (const finding of await store.findingsForWalk(this.slug)) {
      if (Date.now() < this.pauseUntil) return;
      if (this.due(finding)) await this.sendFinding(finding.uuid);
    }
    for (const photo of await store.photosForWalk(this.slug)) {
      if (Date.now() < this.pauseUntil) return;
      if (this.due(photo) && (await this.photoSendable(photo))) await this.sendPhoto(photo.uuid);
    }
    for (const check of await store.checksForWalk(this.slug)) {
      if (Date.now() < this.pauseUntil) return;
      if (this.due(check)) await this.sendCheck(check.uuid);
    }
  }

  async photoSendable(photo) {
    const finding = await store.getFinding(photo.finding);
    if (photo.withdrawn) return !finding || finding.serverVersion != null; // only a photo that may have arrived
    return Boolean(finding && !finding.deleted && finding.serverVersion != null);
  }

  async scheduleNext() {
    clearTimeout(this.timer);
    const times = [];
    for (const f of await store.findingsForWalk(this.slug)) if (f.state === "pending") times.push(f.nextAttemptAt ?? 0);
    for (const p of await store.photosForWalk(this.slug)) {
      if (p.state === "pending" && (await this.photoSendable(p))) times.push(p.nextAttemptAt ?? 0);
    }
    for (const c of await store.checksForWalk(this.slug)) if (c.state === "pending") times.push(c.nextAttemptAt ?? 0);
    if (!times.length) return;
    const at = Math.max(this.pauseUntil, Math.min(...times));
    this.timer = setTimeout(() => this.flush(), Math.max(0, at - Date.now()) + 50);
  }

  /** fetch with the session cookie; a lost session (403 not_joined) is restored once and the request repeated. */
  async request(url, init) {
    const send = () => fetch(url, {
      credentials: "same-origin",
      ...init,
      headers: { Accept: "application/json", ...(init.headers ?? {}) },
      signal: AbortSignal.timeout ? AbortSignal.timeout(REQUEST_TIMEOUT_MS) : undefined,
    });
    const response = await send();
    if (response.status !== 403 || (await errorOf(response)).code !== "not_joined") return response;
    const rejoined = await this.rejoin();
    if (rejoined && !rejoined.ok) return rejoined; // e.g. link_revoked: that is the reason to show
    return rejoined ? send() : response;
  }

  async rejoin() {
    const kept = await store.getWalk(this.slug);
    if (!kept?.rejoin) return null;
    return fetch(`/api/v1/walks/${encodeURIComponent(this.slug)}/rejoin`, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(kept.rejoin),
    });
  }

  /** The network failed for this item: back it off, and pause the whole outbox as briefly. */
  async networkFailed(kind, uuid) {
    const update = { finding: store.updateFinding, photo: store.updatePhoto, check: store.updateCheck }[kind];
    const stored = await update(uuid, (cur) => {
      if (!cur || cur.state !== "pending") return undefined;
      return { ...cur, nextAttemptAt: Date.now() + backoffMs(cur.attempts ?? 1) };
    });
    this.pauseUntil = stored?.nextAttemptAt ?? Date.now() + FIRST_DELAY_MS;
  }

  async sendFinding(uuid) {
    const sent = await store.updateFinding(uuid, (cur) => {
      if (!cur || cur.state !== "pending") return undefined;
      const sentBodies = cur.deleted ? cur.sentBodies ?? [] : [...(cur.sentBodies ?? []).slice(-4), cur.body];
      return { ...cur, attempts: (cur.attempts ?? 0) + 1, sentBodies };
    });
    if (!sent || sent.state !== "pending") return;
    const url = `/api/v1/walks/${encodeURIComponent(this.slug)}/findings/${sent.uuid}`;
    const init = sent.deleted
      ? { method: "DELETE" }
      : {
          method: "PUT",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ ...sent.body, base_version: sent.serverVersion ?? null }),
        };
    await this.transmit("finding", uuid, url, init, (response) => this.settleFinding(sent, response));
  }

  /** One request for an item, shown as in flight meanwhile: a network failure backs the item off, any
   * response goes to ``settle``. */
  async transmit(kind, uuid, url, init, settle) {
    this.inFlight.add(uuid);
    this.changed();
    let response;
    try {
      response = await this.request(url, init);
    } catch {
      await this.networkFailed(kind, uuid);
      return;
    } finally {
      this.inFlight.delete(uuid);
    }
    await settle(response);
    this.changed();
  }

  async settleFinding(sent, response) {
    const status = response.status;
    if (response.ok) {
      const feature = sent.deleted || status === 204 ? null : await response.json().catch(() => null);
      await store.updateFinding(sent.uuid, (cur) => {
        if (!cur) return undefined;
        const done = {
          ...cur, serverVersion: feature?.properties?.version ?? cur.serverVersion, sentBodies: [], attempts: 0,
          nextAttemptAt: 0,
          // 202: stored, but it arrived after closing (kept for the organiser)
          arrival: status === 202 ? "after_close" : feature?.properties?.arrival ?? cur.arrival ?? null,
        };
        if (cur.revision !== sent.revision) {
          this.again = true; // edited while this was in flight: the newer copy goes next
          return done;
        }
        return { ...done, state: "sent", reason: null, server: null, sentAt: new Date().toISOString() };
      });
      return;
    }
    const error = await errorOf(response);
    if (status === 409 && error.code === "version_conflict" && error.details?.current) {
      const current = error.details.current;
      await store.updateFinding(sent.uuid, (cur) => {
        if (!cur) return undefined;
        const version = current.properties.version;
        if (cur.revision === sent.revision && sameAsFeature(cur.body, current)) {
          return { ...cur, state: "sent", reason: null, serverVersion: version, sentBodies: [], attempts: 0 };
        }
        // Our own earlier send arrived but its answer was lost: not a conflict, send again on top of it.
        const ours = (cur.sentBodies ?? []).some((body) => sameAsFeature(body, current));
        if (ours && version !== cur.serverVersion) {
          this.again = true;
          return { ...cur, serverVersion: version, nextAttemptAt: 0 };
        }
        return { ...cur, state: "attention", reason: { code: "version_conflict", message: error.message, status },
                 server: current };
      });
      return;
    }
    await settleRefusal((change) => store.updateFinding(sent.uuid, change), response, error,
                        (cur) => cur.revision === sent.revision);
  }

  async sendPhoto(uuid) {
    const photo = await store.updatePhoto(uuid, (cur) => (cur?.state === "pending"
      ? { ...cur, attempts: (cur.attempts ?? 0) + 1 } : undefined));
    if (!photo || photo.state !== "pending") return;
    const url = `/api/v1/findings/${photo.finding}/photos/${photo.uuid}`;
    const init = photo.withdrawn
      ? { method: "DELETE" }
      : {
          method: "PUT",
          headers: { "Content-Type": photo.blob.type || "application/octet-stream" },
          body: photo.blob,
        };
    await this.transmit("photo", uuid, url, init, (response) => this.settlePhoto(photo, response));
  }

  async settlePhoto(photo, response) {
    const status = response.status;
    if (photo.withdrawn && (response.ok || status === 404)) {
      await store.deletePhoto(photo.uuid); // the server hid it (or never had it): the tombstone has done its job
      return;
    }
    if (response.ok) {
      const body = await response.json().catch(() => ({}));
      await store.updatePhoto(photo.uuid, (cur) => (cur && !cur.withdrawn
        ? { ...cur, state: "sent", reason: null, thumbUrl: body.thumb_url, sentBytes: cur.blob?.size ?? 0 }
        : undefined));
      return;
    }
    await settleRefusal((change) => store.updatePhoto(photo.uuid, change), response);
  }

  /** A follow-up check ("fixed" / "still a problem"): the same UUID every time, so a repeat or a changed
   * verdict never makes a second check. */
  async sendCheck(uuid) {
    const sent = await store.updateCheck(uuid, (cur) => (cur?.state === "pending"
      ? { ...cur, attempts: (cur.attempts ?? 0) + 1 } : undefined));
    if (!sent || sent.state !== "pending") return;
    const url = `/api/v1/walks/${encodeURIComponent(this.slug)}/checks/${sent.uuid}`;
    const init = {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ earlier_finding: sent.earlierFinding, verdict: sent.verdict, note: sent.note ?? "",
                             created_at: sent.createdAt }),
    };
    await this.transmit("check", uuid, url, init, (response) => this.settleCheck(sent, response));
  }

  async settleCheck(sent, response) {
    if (response.ok) {
      await store.updateCheck(sent.uuid, (cur) => {
        if (!cur) return undefined;
        if (cur.revision !== sent.revision) {
          this.again = true; // the verdict changed while this was in flight: the newer one goes next
          return { ...cur, attempts: 0, nextAttemptAt: 0 };
        }
        return { ...cur, state: "sent", reason: null, attempts: 0, nextAttemptAt: 0, sentAt: new Date().toISOString() };
      });
      return;
    }
    await settleRefusal((change) => store.updateCheck(sent.uuid, change), response, null,
                        (cur) => cur.revision === sent.revision);
  }

  // ---- what the person can do with an item that needs attention ----

  /** Try again now (after the reason went away, e.g. a new link was opened). */
  async retry(uuid) {
    const reset = (cur) => (cur && cur.state === "attention"
      ? { ...cur, state: "pending", reason: null, attempts: 0, nextAttemptAt: 0 } : undefined);
    await store.updateFinding(uuid, reset);
    for (const photo of await store.photosForFinding(uuid)) await store.updatePhoto(photo.uuid, reset);
    this.changed();
    return this.retryNow();
  }

  /** Conflict: take the server's version and drop this phone's edit. */
  async keepServer(uuid) {
    await store.updateFinding(uuid, (cur) => (cur?.server
      ? { ...cur, body: bodyFromFeature(cur.server, cur.body), serverVersion: cur.server.properties.version,
          state: "sent", reason: null, server: null, sentBodies: [], revision: cur.revision + 1 }
      : undefined));
    this.changed();
  }

  /** Conflict: send this phone's version on top of the server's. */
  async sendMine(uuid) {
    await store.updateFinding(uuid, (cur) => (cur?.server
      ? { ...cur, serverVersion: cur.server.properties.version, state: "pending", reason: null, server: null,
          attempts: 0, nextAttemptAt: 0 }
      : undefined));
    this.changed();
    return this.retryNow();
  }

  /** Forget the item on this phone (what the server already has stays). */
  async discard(uuid) {
    await store.deleteFinding(uuid);
    this.changed();
  }
}
