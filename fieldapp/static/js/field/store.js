// IndexedDB: findings, photos and follow-up checks live here first; the outbox sends them when it can.
// On a follow-up walk the earlier walk's findings are kept too, so they show offline after one visit.
// Every write is awaited, and a full phone storage surfaces as StorageFull (never an unhandled rejection).
import { openDB } from "../../vendor/idb-8.0.4/index.js";

const dbPromise = openDB("fieldapp", 3, {
  async upgrade(db, oldVersion, newVersion, transaction) {
    if (oldVersion < 1) {
      const findings = db.createObjectStore("findings", { keyPath: "uuid" });
      findings.createIndex("walk", "walk");
      const photos = db.createObjectStore("photos", { keyPath: "uuid" });
      photos.createIndex("finding", "finding");
      photos.createIndex("walk", "walk");
    }
    if (oldVersion < 2) {
      db.createObjectStore("walks", { keyPath: "slug" }); // what the phone keeps per walk (rejoin key)
    }
    if (oldVersion < 3) {
      // a follow-up walk: "fixed" / "still a problem" per earlier finding, and the earlier findings per walk
      db.createObjectStore("checks", { keyPath: "uuid" }).createIndex("walk", "walk");
      db.createObjectStore("earlier", { keyPath: "slug" });
    }
    if (oldVersion === 1) {
      // Version 1 kept refusals as "conflict"/"rejected" with the reason in `error`: both need attention now.
      for (const name of ["findings", "photos"]) {
        let cursor = await transaction.objectStore(name).openCursor();
        while (cursor) {
          const record = cursor.value;
          if (record.state === "conflict" || record.state === "rejected") {
            const code = record.state === "conflict" ? "version_conflict" : null;
            cursor.update({ ...record, state: "attention", reason: { code, message: record.error ?? "", status: 0 } });
          }
          cursor = await cursor.continue();
        }
      }
    }
  },
});

/** The phone's storage is full: nothing new could be saved. */
export class StorageFull extends Error {}

async function write(action) {
  try {
    return await action(await dbPromise);
  } catch (error) {
    if (error?.name === "QuotaExceededError") throw new StorageFull(error.message);
    throw error;
  }
}

/** Store ``record`` (its key is inside it) and return it. */
async function put(storeName, record) {
  await write((db) => db.put(storeName, record));
  return record;
}

async function get(storeName, key) {
  return (await dbPromise).get(storeName, key);
}

export const putFinding = (record) => put("findings", record);
export const getFinding = (uuid) => get("findings", uuid);
export const putPhoto = (record) => put("photos", record);
export const getPhoto = (uuid) => get("photos", uuid);
export const putWalk = (record) => put("walks", record);
export const getWalk = (slug) => get("walks", slug);
export const putEarlier = (record) => put("earlier", record);
export const getEarlier = (slug) => get("earlier", slug);

export async function deleteFinding(uuid) {
  await write(async (db) => {
    const tx = db.transaction(["findings", "photos"], "readwrite");
    tx.objectStore("findings").delete(uuid);
    for (const key of await tx.objectStore("photos").index("finding").getAllKeys(uuid)) {
      tx.objectStore("photos").delete(key);
    }
    await tx.done;
  });
}

/**
 * Read-modify-write one record in ONE readwrite transaction, so nothing written in between is lost.
 * ``change(current)`` is synchronous and returns the record to store, ``undefined`` to keep it, or
 * ``null`` to delete it. Returns what was stored.
 */
async function update(storeName, uuid, change) {
  return write(async (db) => {
    const tx = db.transaction(storeName, "readwrite");
    const current = await tx.store.get(uuid);
    const next = change(current);
    if (next === null) tx.store.delete(uuid);
    else if (next !== undefined) tx.store.put(next);
    await tx.done;
    return next === undefined ? current : next;
  });
}

export const updateFinding = (uuid, change) => update("findings", uuid, change);
export const updatePhoto = (uuid, change) => update("photos", uuid, change);
export const updateCheck = (uuid, change) => update("checks", uuid, change);

export async function checksForWalk(walk) {
  return (await dbPromise).getAllFromIndex("checks", "walk", walk);
}

export async function findingsForWalk(walk) {
  const all = await (await dbPromise).getAllFromIndex("findings", "walk", walk);
  return all.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

export async function deletePhoto(uuid) {
  await write((db) => db.delete("photos", uuid));
}

export async function photosForFinding(findingUuid) {
  return (await dbPromise).getAllFromIndex("photos", "finding", findingUuid);
}

export async function photosForWalk(walk) {
  return (await dbPromise).getAllFromIndex("photos", "walk", walk);
}

/**
 * Save a finding with its new photos in one transaction: either all are stored or none.
 * Removed photos the server may already have become tombstones (the outbox withdraws them);
 * the others are simply deleted.
 */
export async function saveFindingWithPhotos(finding, photos, removedPhotoUuids = []) {
  await write(async (db) => {
    const tx = db.transaction(["findings", "photos"], "readwrite");
    tx.objectStore("findings").put(finding);
    for (const photo of photos) tx.objectStore("photos").put(photo);
    for (const uuid of removedPhotoUuids) {
      const photo = await tx.objectStore("photos").get(uuid);
      if (!photo) continue;
      if (photo.state === "sent" || photo.attempts > 0) {
        tx.objectStore("photos").put({ ...photo, blob: null, withdrawn: true, state: "pending", reason: null,
                                       attempts: 0, nextAttemptAt: 0 });
      } else {
        tx.objectStore("photos").delete(uuid);
      }
    }
    await tx.done;
  });
}

export function newUuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
