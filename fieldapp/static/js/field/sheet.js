// The add/edit-finding bottom sheet. Position from GPS (default), from the map, or "at stop N".
import { t } from "./i18n.js";
import { decodable, downscale, exifPosition } from "./photos.js";
import { newUuid } from "./store.js";

const MAX_PHOTOS = 3;
const POOR_ACCURACY_M = 30;
const HEIF = /image\/hei[cf]|\.hei[cf]$/i;

export class FindingSheet {
  constructor({ dialog, map, walk, gps, onSave, pickBar }) {
    this.dialog = dialog;
    this.form = dialog.querySelector("form");
    this.map = map;
    this.walk = walk;
    this.gps = gps; // () => latest GPS position or null
    this.onSave = onSave;
    this.pickBar = pickBar;
    this.categories = Object.fromEntries(walk.categories.map((c) => [c.code, c]));
    this.bind();
  }

  field(name) {
    return this.form.elements.namedItem(name);
  }

  bind() {
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.save();
    });
    this.dialog.addEventListener("cancel", () => this.map.stopPicking());
    for (const button of this.form.querySelectorAll("[data-action=cancel]")) {
      button.addEventListener("click", () => this.close());
    }
    this.form.querySelector("[data-action=use-gps]").addEventListener("click", () => this.useGps());
    this.form.querySelector("[data-action=pick-on-map]").addEventListener("click", () => this.pickOnMap());
    this.field("stop").addEventListener("change", () => this.renderPosition());
    for (const radio of this.form.querySelectorAll("input[name=category]")) {
      radio.addEventListener("change", () => this.categoryChanged());
    }
    for (const id of ["photo-camera", "photo-gallery"]) {
      const input = this.form.querySelector(`#${id}`);
      input.addEventListener("change", async () => {
        await this.addPhotos([...input.files]);
        input.value = "";
      });
    }
    this.pickBar.querySelector("button").addEventListener("click", () => this.finishPicking());
    const note = this.field("note");
    note.addEventListener("input", () => this.renderNoteCount());
  }

  /** Characters used of the note's limit; at the limit, say so (the browser stops typing and cuts pastes). */
  renderNoteCount() {
    const note = this.field("note");
    const max = note.maxLength;
    const count = this.form.querySelector("#sheet-note-count");
    const full = this.form.querySelector("#sheet-note-full");
    count.textContent = t("noteCount", { used: note.value.length, max });
    full.hidden = note.value.length < max;
    full.textContent = full.hidden ? "" : t("noteFull", { max });
  }

  /** Open the sheet at the top (a reused dialog keeps its last scroll position). */
  show() {
    this.renderNoteCount();
    this.dialog.showModal();
    this.dialog.scrollTop = 0;
    this.form.scrollTop = 0;
  }

  openNew() {
    this.record = null;
    this.keptFelt = null;
    this.form.reset();
    this.photos = [];
    this.removedPhotos = [];
    const gps = this.gps();
    this.position = gps ? { source: "gps", ...gps } : null;
    this.dialog.querySelector("#sheet-title").textContent = this.dialog.dataset.titleNew;
    this.categoryChanged();
    this.renderPosition();
    this.renderPhotos();
    this.showError(null);
    this.show();
  }

  /** A new finding placed where the map was tapped (no GPS); latlng is Leaflet's {lat, lng}. */
  openAt(latlng) {
    this.openNew();
    this.position = { source: "map", lat: latlng.lat, lon: latlng.lng, accuracy: null };
    this.renderPosition();
  }

  openEdit(record, photos) {
    this.record = record;
    this.dialog.querySelector("#sheet-title").textContent = this.dialog.dataset.titleEdit;
    this.form.reset();
    const body = record.body;
    this.photos = photos.map((p) => ({ ...p, url: URL.createObjectURL(p.blob), existing: true,
                                       preview: !HEIF.test(p.blob.type ?? "") }));
    this.removedPhotos = [];
    this.position = body.position_source === "stop" ? null
      : { source: body.position_source, lon: body.lon, lat: body.lat, accuracy: body.accuracy_m };
    this.field("stop").value = body.stop ?? "";
    const parent = this.categories[body.category]?.parent;
    this.form.querySelector(`input[name=category][value="${parent ?? body.category}"]`)?.click();
    if (parent) this.form.querySelector(`input[name=sub_category][value="${body.category}"]`).checked = true;
    // An answer given on another scale (an older page) is kept as it was unless a new one is chosen.
    const sameScale = body.felt_safety_scale === this.feltScale;
    this.keptFelt = body.felt_safety && !sameScale
      ? { felt_safety: body.felt_safety, felt_safety_scale: body.felt_safety_scale ?? null } : null;
    if (body.felt_safety && sameScale) {
      this.form.querySelector(`input[name=felt_safety][value="${body.felt_safety}"]`).checked = true;
    }
    if (body.lighting_check) this.form.querySelector(`input[name=lighting_check][value="${body.lighting_check}"]`).checked = true;
    this.field("note").value = body.note ?? "";
    this.categoryChanged();
    this.renderPosition();
    this.renderPhotos();
    this.showError(null);
    this.show();
  }

  close() {
    this.map.stopPicking();
    this.pickBar.hidden = true;
    for (const photo of this.photos ?? []) URL.revokeObjectURL(photo.url);
    this.dialog.close();
  }

  useGps() {
    const gps = this.gps();
    this.field("stop").value = "";
    this.position = gps ? { source: "gps", ...gps } : null;
    this.renderPosition();
  }

  pickOnMap() {
    this.field("stop").value = "";
    this.dialog.close();
    this.pickBar.hidden = false;
    this.map.startPicking(this.position ?? this.gps(), (latlng) => {
      this.position = { source: "map", lat: latlng.lat, lon: latlng.lon, accuracy: null };
    });
    this.pickBar.querySelector("button").focus();
  }

  finishPicking() {
    this.map.stopPicking();
    this.pickBar.hidden = true;
    this.renderPosition();
    this.dialog.showModal();
  }

  categoryChanged() {
    const code = this.form.querySelector("input[name=category]:checked")?.value;
    this.form.querySelector("#lighting-check").hidden = code !== "lighting";
    // The sub-choices of the chosen category (optional); a sub-choice of another category is dropped.
    for (const group of this.form.querySelectorAll(".sub-choices")) {
      const shown = group.dataset.parent === code;
      group.hidden = !shown;
      if (!shown) for (const radio of group.querySelectorAll("input")) radio.checked = false;
    }
  }

  get feltScale() {
    return Number(this.form.querySelector("#felt-safety").dataset.scale);
  }

  /** The felt-safety answer with the scale it was given on. */
  feltAnswer() {
    const value = Number(this.form.querySelector("input[name=felt_safety]:checked")?.value) || null;
    if (value) return { felt_safety: value, felt_safety_scale: this.feltScale };
    return this.keptFelt ?? { felt_safety: null, felt_safety_scale: null };
  }

  renderPosition() {
    const text = this.form.querySelector("#sheet-position");
    const warning = this.form.querySelector("#sheet-accuracy-warning");
    const stop = this.field("stop").value;
    warning.hidden = true;
    if (stop) {
      text.textContent = t("stopPosition", { stop });
    } else if (this.position?.source === "map") {
      text.textContent = t("mapPosition");
    } else if (this.position) {
      const metres = Math.round(this.position.accuracy ?? 0);
      text.textContent = `${t("gpsPosition")} · ${t("accuracy", { metres })}`;
      if (metres > POOR_ACCURACY_M) {
        warning.textContent = `${t("accuracyPoor", { metres })} `;
        const show = document.createElement("button");
        show.type = "button";
        show.className = "button";
        show.dataset.action = "show-marker";
        show.textContent = t("showMarker");
        show.addEventListener("click", () => this.pickOnMap());
        warning.append(show);
        warning.hidden = false;
      }
    } else {
      text.textContent = t("choosePosition");
    }
  }

  async addPhotos(files) {
    for (const file of files) {
      if (this.photos.length >= MAX_PHOTOS) {
        this.showError(t("tooManyPhotos"));
        break;
      }
      const [blob, exif] = await Promise.all([downscale(file), exifPosition(file)]);
      const preview = blob !== file || (await decodable(file));
      this.photos.push({ uuid: newUuid(), blob, url: URL.createObjectURL(blob), originalBytes: file.size, exif,
                         preview, name: file.name });
      if (exif && (!this.position || (this.position.accuracy ?? 0) > POOR_ACCURACY_M)) this.offerExif(exif);
    }
    this.renderPhotos();
  }

  offerExif(exif) {
    const warning = this.form.querySelector("#sheet-accuracy-warning");
    warning.hidden = false;
    warning.textContent = `${t("exifPosition")} `;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button";
    button.textContent = t("useIt");
    button.addEventListener("click", () => {
      this.field("stop").value = "";
      this.position = { source: "map", lat: exif.lat, lon: exif.lon, accuracy: null };
      this.renderPosition();
    });
    warning.append(button);
  }

  renderPhotos() {
    const list = this.form.querySelector("#sheet-photos");
    list.replaceChildren();
    this.photos.forEach((photo, index) => {
      const item = document.createElement("li");
      let image;
      if (photo.preview === false) {
        // e.g. HEIC in a browser that cannot show it: a tile that says what happens, not a broken image
        image = document.createElement("div");
        image.className = "photo-placeholder";
        image.setAttribute("role", "img");
        const heif = HEIF.test(photo.name ?? "") || HEIF.test(photo.blob?.type ?? "");
        const lines = [photo.name, heif ? t("photoConverted") : t("photoNoPreview")].filter(Boolean);
        image.setAttribute("aria-label", `${index + 1}: ${lines.join(", ")}`);
        for (const line of lines) {
          const span = document.createElement("span");
          span.textContent = line;
          image.append(span);
        }
      } else {
        image = document.createElement("img");
        image.src = photo.url;
        image.alt = `${index + 1}`;
      }
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "icon-button";
      remove.setAttribute("aria-label", `${t("removePhoto")} ${index + 1}`);
      remove.textContent = "✕";
      remove.addEventListener("click", () => {
        const [removed] = this.photos.splice(index, 1);
        if (removed.existing) this.removedPhotos.push(removed.uuid);
        URL.revokeObjectURL(removed.url);
        this.renderPhotos();
      });
      item.append(image, remove);
      list.append(item);
    });
  }

  showError(message) {
    const error = this.form.querySelector("#sheet-error");
    error.hidden = !message;
    error.textContent = message ?? "";
  }

  body() {
    const checked = (name) => this.form.querySelector(`input[name=${name}]:checked`)?.value ?? null;
    const stop = this.field("stop").value ? Number(this.field("stop").value) : null;
    const category = checked("sub_category") ?? checked("category");
    const usePosition = !stop && this.position;
    return {
      lon: usePosition ? this.position.lon : null,
      lat: usePosition ? this.position.lat : null,
      accuracy_m: usePosition && this.position.accuracy != null ? Math.round(this.position.accuracy * 10) / 10 : null,
      position_source: stop ? "stop" : this.position?.source ?? "gps",
      stop,
      category,
      polarity: null, // the server takes it from the felt-safety answer or the category (finding_rules.py)
      ...this.feltAnswer(),
      lighting_check: category === "lighting" ? checked("lighting_check") : null,
      note: this.field("note").value.trim(),
      created_at: this.record?.body.created_at ?? new Date().toISOString(),
    };
  }

  async save() {
    const body = this.body();
    if (!body.category) {
      this.showError(t("chooseCategory"));
      this.form.querySelector("input[name=category]").focus();
      return;
    }
    if (body.stop == null && body.lon == null) {
      this.showError(t("choosePosition"));
      this.form.querySelector("[data-action=use-gps]").focus();
      return;
    }
    const newPhotos = this.photos.filter((p) => !p.existing);
    const saved = await this.onSave({ record: this.record, body, newPhotos, removedPhotos: this.removedPhotos });
    if (saved === false) {
      this.showError(t("storageFull")); // nothing was stored: keep the sheet (and what was typed) open
      return;
    }
    this.close();
  }
}
