// "All findings": everyone's findings on this walk, nearest first — from the walker's position, or from
// where the walk starts while there is no position. A tap shows the finding on the map.
import { t } from "./i18n.js";
import { distanceM } from "./progress.js";

/** Features with a position, each with its distance in metres from origin [lon, lat], nearest first. */
export function nearestFirst(features, origin) {
  return features
    .filter((f) => f.geometry)
    .map((feature) => ({ feature, metres: origin ? distanceM(origin, feature.geometry.coordinates) : null }))
    .sort((a, b) => (a.metres ?? 0) - (b.metres ?? 0));
}

const lang = document.documentElement.lang || "sv";
const metresFormat = new Intl.NumberFormat(lang, { style: "unit", unit: "meter", maximumFractionDigits: 0 });
const kilometresFormat = new Intl.NumberFormat(lang, { style: "unit", unit: "kilometer", maximumFractionDigits: 1 });

export function formatDistance(metres) {
  return metres < 1000 ? metresFormat.format(Math.round(metres / 5) * 5) : kilometresFormat.format(metres / 1000);
}

export class EveryoneList {
  /**
   * @param {object} options
   * @param {HTMLElement} options.list the <ul>
   * @param {HTMLElement} options.basis the line saying what "nearest" is measured from
   * @param {HTMLElement} options.count the tab's count
   * @param {[number, number] | null} options.start where the walk starts [lon, lat]
   * @param {(id: string) => void} options.onShow show a finding on the map
   */
  constructor({ list, basis, count, start, onShow }) {
    Object.assign(this, { list, basis, count, start, onShow });
    this.features = [];
    this.key = null;
    this.position = null;
    this.drawnFrom = null;
  }

  /** New findings: drawn again only when something in them changed (keeps focus and scroll otherwise). */
  update(features) {
    const key = JSON.stringify(features.map((f) => [f.id, f.geometry?.coordinates, f.properties]));
    if (key === this.key) return;
    this.key = key;
    this.features = features;
    this.draw();
  }

  /** The walker moved: sort again once they are 10 m from where the list was last sorted. */
  setPosition(position) {
    this.position = [position.lon, position.lat];
    if (!this.drawnFrom || distanceM(this.drawnFrom, this.position) >= 10) this.draw();
  }

  draw() {
    const origin = this.position ?? this.start;
    this.drawnFrom = this.position;
    this.basis.textContent = t(this.position ? "nearestToYou" : origin ? "nearestToStart" : "everyoneUnsorted");
    const sorted = nearestFirst(this.features, origin);
    this.count.textContent = String(sorted.length);
    this.list.replaceChildren();
    if (!sorted.length) {
      const empty = document.createElement("li");
      empty.className = "empty";
      empty.textContent = t("noFindingsOnWalk");
      this.list.append(empty);
      return;
    }
    for (const { feature, metres } of sorted) this.list.append(this.item(feature, metres));
  }

  item(feature, metres) {
    const p = feature.properties;
    const item = document.createElement("li");
    item.className = "everyone-item";
    const button = document.createElement("button");
    button.type = "button";
    button.className = `everyone-button polarity-${["safe", "unsafe"].includes(p.polarity) ? p.polarity : "other"}`;
    button.dataset.showFinding = feature.id;
    if (metres != null) button.dataset.metres = String(Math.round(metres));
    const title = document.createElement("strong");
    title.textContent = p.category_name ?? "";
    const distance = document.createElement("span");
    distance.className = "everyone-distance";
    distance.textContent = metres == null ? "" : formatDistance(metres);
    const meta = document.createElement("span");
    meta.className = "everyone-meta";
    meta.textContent = [t(p.polarity === "safe" ? "safe" : "unsafe"),
                        p.stop ? t("stopPosition", { stop: p.stop }) : null,
                        p.photo_count ? t("photoCount", { count: p.photo_count }) : null,
                        p.mine ? t("yourFinding") : null].filter(Boolean).join(" · ");
    button.append(title, distance, meta);
    if (p.note) {
      const note = document.createElement("span");
      note.className = "everyone-note";
      note.textContent = p.note;
      button.append(note);
    }
    button.addEventListener("click", () => this.onShow(feature.id));
    item.append(button);
    return item;
  }
}
