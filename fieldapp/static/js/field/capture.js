// Adding, editing and deleting findings on this phone: the sheet's result is written to IndexedDB first
// (the save is instant and survives a reload), then the outbox is asked to send it.
import { t } from "./i18n.js";
import { adoptEarlySheet } from "./early.js";
import { FindingSheet } from "./sheet.js";
import * as store from "./store.js";
import { confirmInPage } from "./sync-view.js";

export class Capture {
  /**
   * @param {object} options
   * @param {string} options.slug
   * @param {object} options.walk
   * @param {import("./map.js").FieldMap} options.map
   * @param {import("./outbox.js").Outbox} options.outbox
   * @param {import("./position.js").PositionWatch} options.position
   * @param {() => Promise<void>} options.render draw the findings again
   * @param {(message: string) => void} options.showProblem
   */
  constructor({ slug, walk, map, outbox, position, render, showProblem }) {
    Object.assign(this, { slug, outbox, render, showProblem });
    this.sheet = new FindingSheet({
      dialog: document.getElementById("finding-sheet"),
      map,
      walk,
      gps: () => position.current,
      onSave: (change) => this.save(change),
      pickBar: document.getElementById("pick-bar"),
    });
    const add = document.getElementById("add-finding");
    if (add) {
      add.addEventListener("click", () => this.sheet.openNew());
      // The sheet may already be open (the button works before the scripts): take over what was chosen.
      adoptEarlySheet(this.sheet, document.getElementById("finding-sheet"), add);
      // Without GPS the page says "tap the map": a tap there starts a finding at that place.
      map.onTap((latlng) => {
        if (!position.current) this.sheet.openAt(latlng);
      });
    }
  }

  /** Run a change to what is stored on this phone; a full storage is said plainly, next to the sync status. */
  async storing(action) {
    try {
      await action();
      return true;
    } catch (error) {
      if (!(error instanceof store.StorageFull)) throw error;
      this.showProblem(t("storageFull"));
      return false;
    }
  }

  async edit(record) {
    const photos = (await store.photosForFinding(record.uuid)).filter((p) => !p.withdrawn);
    this.sheet.openEdit(record, photos);
  }

  async save({ record, body, newPhotos, removedPhotos }) {
    const now = new Date().toISOString();
    const current = record ? await store.getFinding(record.uuid) : null;
    const finding = {
      ...(current ?? {}),
      uuid: record?.uuid ?? store.newUuid(),
      walk: this.slug,
      createdAt: current?.createdAt ?? now,
      updatedAt: now,
      revision: (current?.revision ?? 0) + 1,
      serverVersion: current?.serverVersion ?? null,
      state: "pending",
      reason: null,
      attempts: 0,
      nextAttemptAt: 0,
      deleted: false,
      body,
    };
    const photos = newPhotos.map((p) => ({ uuid: p.uuid, finding: finding.uuid, walk: this.slug, blob: p.blob,
                                            state: "pending", attempts: 0, originalBytes: p.originalBytes,
                                            createdAt: now }));
    if (!(await this.storing(() => store.saveFindingWithPhotos(finding, photos, removedPhotos)))) return false;
    await this.render();
    const status = document.getElementById("sync-status");
    status.textContent = `${t("saved")} · ${status.textContent}`;
    this.outbox.retryNow();
    return true;
  }

  async delete(record) {
    if (!(await confirmInPage(t("deleteConfirm"), t("delete")))) return;
    const current = await store.getFinding(record.uuid);
    if (current.serverVersion == null && !(current.attempts > 0)) {
      await this.storing(() => store.deleteFinding(current.uuid)); // never reached the server: nothing to withdraw
    } else {
      await this.storing(() => store.putFinding({ ...current, deleted: true, state: "pending", reason: null,
                                                  attempts: 0, nextAttemptAt: 0, revision: current.revision + 1 }));
    }
    await this.render();
    this.outbox.retryNow();
  }
}
