// IndexedDB: findings and photos live here first; the outbox sends them when it can.
import { openDB } from "../../vendor/idb-8.0.4/index.js";

const dbPromise = openDB("fieldapp", 1, {
  upgrade(db) {
    const findings = db.createObjectStore("findings", { keyPath: "uuid" });
    findings.createIndex("walk", "walk");
    const photos = db.createObjectStore("photos", { keyPath: "uuid" });
    photos.createIndex("finding", "finding");
    photos.createIndex("walk", "walk");
  },
});

export async function putFinding(record) {
  (await dbPromise).put("findings", record);
  return record;
}

export async function getFinding(uuid) {
  return (await dbPromise).get("findings", uuid);
}

export async function findingsForWalk(walk) {
  const all = await (await dbPromise).getAllFromIndex("findings", "walk", walk);
  return all.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

export async function putPhoto(record) {
  (await dbPromise).put("photos", record);
  return record;
}

export async function deletePhoto(uuid) {
  return (await dbPromise).delete("photos", uuid);
}

export async function photosForFinding(findingUuid) {
  return (await dbPromise).getAllFromIndex("photos", "finding", findingUuid);
}

export async function photosForWalk(walk) {
  return (await dbPromise).getAllFromIndex("photos", "walk", walk);
}

/** Save a finding and its new photos in one transaction: either all are stored or none. */
export async function saveFindingWithPhotos(finding, photos, removedPhotoUuids = []) {
  const db = await dbPromise;
  const tx = db.transaction(["findings", "photos"], "readwrite");
  tx.objectStore("findings").put(finding);
  for (const photo of photos) tx.objectStore("photos").put(photo);
  for (const uuid of removedPhotoUuids) tx.objectStore("photos").delete(uuid);
  await tx.done;
}

export function newUuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
