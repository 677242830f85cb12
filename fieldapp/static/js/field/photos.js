// Photos are made small on the phone (longest side ≤ 2048 px, JPEG) before they are stored and sent,
// so a 12 MP photo costs about a tenth of its bytes over 4G.
export const MAX_SIDE = 2048;
const QUALITY = 0.85;

/** Downscale an image File to a JPEG Blob; returns the original file if the browser cannot decode it. */
export async function downscale(file) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  } catch {
    return file; // e.g. HEIC on a browser that cannot decode it: the server converts it
  }
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const width = Math.round(bitmap.width * scale);
  const height = Math.round(bitmap.height * scale);
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d");
  context.imageSmoothingQuality = "high";
  context.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", QUALITY));
  if (!blob) return file;
  return blob.size < file.size || file.type !== "image/jpeg" ? blob : file;
}

/** Whether this browser can decode the image (HEIC/HEIF often not: it is converted on the server). */
export async function decodable(file) {
  try {
    (await createImageBitmap(file)).close();
    return true;
  } catch {
    return false;
  }
}

/** The GPS position in a JPEG's EXIF (before downscaling strips it), or null. */
export async function exifPosition(file) {
  try {
    const buffer = await file.slice(0, 256 * 1024).arrayBuffer();
    return readGps(new DataView(buffer));
  } catch {
    return null;
  }
}

function readGps(view) {
  if (view.getUint16(0) !== 0xffd8) return null;
  let offset = 2;
  while (offset + 4 < view.byteLength) {
    const marker = view.getUint16(offset);
    const length = view.getUint16(offset + 2);
    if (marker === 0xffe1 && view.getUint32(offset + 4) === 0x45786966) {
      return readTiffGps(view, offset + 10);
    }
    if ((marker & 0xff00) !== 0xff00) return null;
    offset += 2 + length;
  }
  return null;
}

function readTiffGps(view, tiff) {
  const little = view.getUint16(tiff) === 0x4949;
  const u16 = (o) => view.getUint16(tiff + o, little);
  const u32 = (o) => view.getUint32(tiff + o, little);
  const ifd0 = u32(4);
  let gpsOffset = null;
  for (let i = 0, n = u16(ifd0); i < n; i++) {
    const entry = ifd0 + 2 + i * 12;
    if (u16(entry) === 0x8825) gpsOffset = u32(entry + 8);
  }
  if (gpsOffset === null) return null;
  const tags = {};
  for (let i = 0, n = u16(gpsOffset); i < n; i++) {
    const entry = gpsOffset + 2 + i * 12;
    const tag = u16(entry);
    const type = u16(entry + 2);
    if (type === 2) tags[tag] = String.fromCharCode(view.getUint8(tiff + entry + 8));
    if (type === 5) {
      const at = u32(entry + 8);
      const rational = (k) => u32(at + k * 8) / (u32(at + k * 8 + 4) || NaN);
      tags[tag] = rational(0) + rational(1) / 60 + rational(2) / 3600;
    }
  }
  let lat = tags[2];
  let lon = tags[4];
  if (!Number.isFinite(lat) || !Number.isFinite(lon)) return null;
  if (tags[1] === "S") lat = -lat;
  if (tags[3] === "W") lon = -lon;
  if (Math.abs(lat) > 90 || Math.abs(lon) > 180 || (lat === 0 && lon === 0)) return null;
  return { lat, lon };
}
