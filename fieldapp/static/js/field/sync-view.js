// What the phone shows about sending: the header line ("2 waiting · 1 needs attention", never "everything
// is sent" while something is not) and the "My findings" list, one state per item with the reason in words
// and what the person can do about it. The confirmation dialog lives in the page (no window.confirm).
import { t } from "./i18n.js";

/** The state one list item shows: its finding's and its photos' together. */
export function itemState(record, photos, inFlight) {
  const mine = photos.filter((p) => p.finding === record.uuid);
  if (record.state === "attention") {
    return { state: record.reason?.code === "version_conflict" ? "conflict" : "attention", reason: reasonText(record.reason) };
  }
  const refused = mine.find((p) => p.state === "attention");
  if (refused) return { state: "attention", reason: t("reasonPhoto", { reason: reasonText(refused.reason) }), photo: refused };
  if (inFlight.has(record.uuid) || mine.some((p) => inFlight.has(p.uuid))) return { state: "sending" };
  if (record.state === "pending" || mine.some((p) => p.state === "pending")) return { state: "pending" };
  return { state: "sent", arrival: record.arrival ?? "on_time" };
}

function reasonText(reason) {
  if (!reason) return "";
  switch (reason.code) {
    case "version_conflict":
      return t("reasonConflict");
    case "link_revoked":
      return t("reasonLinkRevoked");
    case "not_joined":
      return t("reasonNotJoined");
    case "walk_closed":
      return reason.message || t("reasonWalkClosed");
    default:
      return reason.message || t("reasonOther", { status: reason.status });
  }
}

const STATE_TEXT = { pending: "statusPending", sending: "statusSending", sent: "statusSent",
                     attention: "statusAttention", conflict: "statusConflict" };
// Sent after the organiser marked the walk done: still part of the walk ("late"), or kept for staff.
const SENT_TEXT = { late: "statusSentLateAccepted", after_close: "statusSentLate" };

/** Ask in the page: resolves true when the person confirms. */
export function confirmInPage(message, confirmLabel) {
  const dialog = document.getElementById("confirm-dialog");
  dialog.querySelector("#confirm-text").textContent = message;
  dialog.querySelector("[value=ok]").textContent = confirmLabel;
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
  });
}

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.append(area);
    area.select();
    const ok = document.execCommand("copy");
    area.remove();
    return ok;
  }
}

export class SyncView {
  /**
   * @param {object} options
   * @param {import("./outbox.js").Outbox} options.outbox
   * @param {Record<string,string>} options.categoryNames
   * @param {boolean} options.accepts the walk takes new findings and edits
   * @param {(record: object) => void} options.onEdit
   * @param {(record: object) => void} options.onDelete
   */
  constructor({ outbox, categoryNames, accepts, onEdit, onDelete }) {
    Object.assign(this, { outbox, categoryNames, accepts, onEdit, onDelete });
    this.status = document.getElementById("sync-status");
    this.problem = document.getElementById("sync-problem");
    this.retryButton = document.getElementById("retry-upload");
    this.list = document.getElementById("my-findings-list");
  }

  /** ``checks``: a follow-up walk's "fixed" / "still a problem" on this phone (counted in the header too). */
  render(records, photos, checks = []) {
    const states = new Map(records.map((r) => [r.uuid, itemState(r, photos, this.outbox.inFlight)]));
    this.renderStatus(records, photos, states, checks);
    this.renderList(records.filter((r) => !r.deleted), photos, states);
  }

  renderStatus(records, photos, states, checks) {
    const live = records.filter((r) => !(r.deleted && r.state === "sent"));
    const waiting = live.filter((r) => ["pending", "sending"].includes(states.get(r.uuid).state)).length
      + checks.filter((c) => c.state === "pending").length;
    const attention = live.filter((r) => ["attention", "conflict"].includes(states.get(r.uuid).state)).length
      + checks.filter((c) => c.state === "attention").length;
    const parts = [];
    if (!navigator.onLine) parts.push(t("offlineShort"));
    if (waiting) parts.push(t("countWaiting", { count: waiting }));
    if (attention) parts.push(t("countAttention", { count: attention }));
    let state;
    if (attention) state = "attention";
    else if (waiting) state = "waiting";
    else state = navigator.onLine ? "sent" : "offline";
    if (state === "sent") this.status.textContent = t("allSent");
    else if (state === "offline") this.status.textContent = t("offline");
    else this.status.textContent = parts.join(" · ");
    this.status.dataset.state = state;
    this.status.dataset.waitingFindings = String(records.filter((r) => r.state === "pending").length);
    this.status.dataset.waitingPhotos = String(photos.filter((p) => p.state === "pending").length);
    this.status.dataset.attention = String(attention);
    this.retryButton.hidden = !waiting;
    const problem = this.outbox.problem ? t(this.outbox.problem) : "";
    this.showProblem(problem);
  }

  showProblem(message) {
    this.problem.textContent = message;
    this.problem.hidden = !message;
  }

  renderList(visible, photos, states) {
    this.list.replaceChildren();
    if (!visible.length) {
      const empty = document.createElement("li");
      empty.className = "empty";
      empty.textContent = t("noFindings");
      this.list.append(empty);
      return;
    }
    for (const record of visible.slice().reverse()) {
      this.list.append(this.item(record, photos.filter((p) => p.finding === record.uuid && !p.withdrawn),
                                 states.get(record.uuid)));
    }
  }

  item(record, photos, view) {
    const item = document.createElement("li");
    item.className = `finding-item state-${view.state}`;
    item.dataset.uuid = record.uuid;
    const title = document.createElement("strong");
    title.textContent = this.categoryNames[record.body.category] ?? record.body.category;
    const meta = document.createElement("span");
    meta.className = "finding-meta";
    meta.textContent = [record.body.stop ? t("stopPosition", { stop: record.body.stop }) : null,
                        photos.length ? t("photoCount", { count: photos.length }) : null].filter(Boolean).join(" · ");
    const state = document.createElement("span");
    state.className = "finding-state";
    state.dataset.state = view.state;
    if (view.arrival) state.dataset.arrival = view.arrival;
    state.textContent = t(SENT_TEXT[view.arrival] ?? STATE_TEXT[view.state]);
    item.append(title, meta, state);
    if (view.reason) {
      const reason = document.createElement("p");
      reason.className = "finding-reason";
      reason.textContent = view.reason;
      item.append(reason);
    }
    if (record.body.note) {
      const note = document.createElement("p");
      note.className = "finding-note";
      note.textContent = record.body.note;
      item.append(note);
    }
    const actions = document.createElement("div");
    actions.className = "finding-actions";
    for (const button of this.actions(record, view)) actions.append(button);
    if (actions.childElementCount) item.append(actions);
    return item;
  }

  button(label, onClick, kind = "") {
    const button = document.createElement("button");
    button.type = "button";
    button.className = `button small ${kind}`.trim();
    button.textContent = t(label);
    button.dataset.action = label;
    button.addEventListener("click", onClick);
    return button;
  }

  actions(record, view) {
    const buttons = [];
    if (view.state === "conflict") {
      buttons.push(this.button("keepServer", () => this.outbox.keepServer(record.uuid), "primary"),
                   this.button("sendMine", () => this.outbox.sendMine(record.uuid)));
    } else if (view.state === "attention") {
      const editable = this.accepts && record.reason?.status === 422;
      buttons.push(editable ? this.button("edit", () => this.onEdit(record), "primary")
                            : this.button("retry", () => this.outbox.retry(record.uuid), "primary"));
    }
    if (view.state === "conflict" || view.state === "attention") {
      buttons.push(this.button("copyText", (event) => this.copy(record, event.currentTarget)),
                   this.button("discard", () => this.discard(record), "danger"));
      return buttons;
    }
    if (this.accepts) {
      buttons.push(this.button("edit", () => this.onEdit(record)),
                   this.button("delete", () => this.onDelete(record), "danger"));
    }
    return buttons;
  }

  async copy(record, button) {
    const body = record.body;
    const where = body.stop ? t("stopPosition", { stop: body.stop })
      : body.lat != null ? `${body.lat.toFixed(6)}, ${body.lon.toFixed(6)}` : "";
    const text = [this.categoryNames[body.category] ?? body.category, body.note, where, body.created_at]
      .filter(Boolean).join("\n");
    if (await copyText(text)) button.textContent = t("copied");
  }

  async discard(record) {
    if (await confirmInPage(t("discardConfirm"), t("discard"))) await this.outbox.discard(record.uuid);
  }
}
