// A follow-up walk on the phone: the earlier walk's findings (kept in IndexedDB, so they show offline after
// one visit) drawn as their own layer, and "fixed" / "still a problem" per finding, saved here first and sent
// by the outbox (one check UUID per earlier finding: changing the verdict sends the same UUID again).
// Loaded by main.js only on a follow-up walk (a dynamic import: not part of the first tap).
import * as store from "./store.js";
import { t } from "./i18n.js";

export class FollowUp {
  /**
   * @param {object} options
   * @param {string} options.slug
   * @param {object} options.map the field map (or its stand-in while Leaflet loads)
   * @param {import("./outbox.js").Outbox} options.outbox
   * @param {HTMLElement} options.progress where "Last walk: 3 of 12 checked" is shown
   */
  constructor({ slug, map, outbox, progress }) {
    Object.assign(this, { slug, map, outbox, progress });
    this.earlier = [];
  }

  async start() {
    this.earlier = (await store.getEarlier(this.slug))?.findings ?? [];
    this.outbox.addEventListener("change", () => this.render());
    window.addEventListener("online", () => this.refresh());
    await this.render();
    await this.refresh();
  }

  /** The earlier findings from the server (their measures may have moved on), kept for offline use. */
  async refresh() {
    if (!navigator.onLine) return;
    try {
      const response = await this.outbox.request(
        `/api/v1/walks/${encodeURIComponent(this.slug)}/earlier-findings`, { method: "GET" });
      if (!response.ok) return;
      this.earlier = (await response.json()).findings;
      await store.putEarlier({ slug: this.slug, findings: this.earlier, fetchedAt: new Date().toISOString() });
      await this.render();
    } catch {
      // offline or unreachable: the kept copy stays
    }
  }

  /** This phone's check of each earlier finding (the latest one). */
  async checks() {
    const byFinding = new Map();
    for (const check of await store.checksForWalk(this.slug)) {
      const known = byFinding.get(check.earlierFinding);
      if (!known || known.changedAt < check.changedAt) byFinding.set(check.earlierFinding, check);
    }
    return byFinding;
  }

  async render() {
    const checks = await this.checks();
    const items = this.earlier.map((finding) => ({ ...finding, check: checks.get(finding.uuid) ?? null }));
    this.map.setEarlierFindings(items, (uuid, verdict, note) => this.check(uuid, verdict, note));
    const checked = items.filter((item) => item.check).length;
    this.progress.hidden = !items.length;
    this.progress.textContent = t("checkedCount", { checked, count: items.length });
    Object.assign(this.progress.dataset, { checked: String(checked), total: String(items.length) });
  }

  /** Save the verdict on this phone (the same check UUID as before for this finding) and send it. */
  async check(earlierUuid, verdict, note) {
    const known = (await this.checks()).get(earlierUuid);
    const uuid = known?.uuid ?? store.newUuid();
    const now = new Date().toISOString();
    await store.updateCheck(uuid, (cur) => ({
      uuid, walk: this.slug, earlierFinding: earlierUuid, verdict, note: (note ?? "").trim(),
      createdAt: cur?.createdAt ?? now, changedAt: now, revision: (cur?.revision ?? 0) + 1,
      state: "pending", reason: null, attempts: 0, nextAttemptAt: 0,
    }));
    this.outbox.changed();
    await this.outbox.retryNow();
  }
}
