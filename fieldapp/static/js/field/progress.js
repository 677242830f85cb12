// Where am I on the route? Distances in metres in a local equirectangular frame (fine for a walk).
const M_PER_DEG_LAT = 110_574;
const M_PER_DEG_LON_EQUATOR = 111_320;

function frame(lat0) {
  const kx = M_PER_DEG_LON_EQUATOR * Math.cos((lat0 * Math.PI) / 180);
  return ([lon, lat]) => [lon * kx, lat * M_PER_DEG_LAT];
}

function lines(routeGeometry) {
  if (!routeGeometry) return [];
  return routeGeometry.type === "MultiLineString" ? routeGeometry.coordinates : [routeGeometry.coordinates];
}

/** {alongM, totalM, offsetM} of a point [lon, lat] relative to the route geometry. */
export function progressAlong(routeGeometry, point) {
  const parts = lines(routeGeometry);
  if (!parts.length) return null;
  const project = frame(point[1]);
  const [px, py] = project(point);
  let before = 0;
  let best = { offsetM: Infinity, alongM: 0 };
  for (const part of parts) {
    for (let i = 1; i < part.length; i++) {
      const [ax, ay] = project(part[i - 1]);
      const [bx, by] = project(part[i]);
      const dx = bx - ax;
      const dy = by - ay;
      const length = Math.hypot(dx, dy);
      const t = length ? Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (length * length))) : 0;
      const offset = Math.hypot(ax + t * dx - px, ay + t * dy - py);
      if (offset < best.offsetM) best = { offsetM: offset, alongM: before + t * length };
      before += length;
    }
  }
  return { ...best, totalM: before };
}

/** The stop you have reached: the last stop whose position along the route is at or before yours. */
export function currentStop(routeGeometry, stops, alongM) {
  const positions = stops
    .map((stop) => ({ seq: stop.properties.seq, along: progressAlong(routeGeometry, stop.geometry.coordinates)?.alongM ?? 0 }))
    .sort((a, b) => a.along - b.along);
  let reached = positions[0]?.seq ?? null;
  for (const stop of positions) {
    if (stop.along <= alongM + 15) reached = stop.seq;
  }
  return reached;
}

/** Metres between two points [lon, lat] (the same local frame; fine within a walk). */
export function distanceM(a, b) {
  const project = frame((a[1] + b[1]) / 2);
  const [ax, ay] = project(a);
  const [bx, by] = project(b);
  return Math.hypot(ax - bx, ay - by);
}

/** Where the walk begins [lon, lat]: the route's first point, else the first stop, else null. */
export function walkStart(walk) {
  const first = lines(walk.route?.geometry)[0]?.[0];
  if (first) return first;
  const stops = walk.stops.features.slice().sort((a, b) => a.properties.seq - b.properties.seq);
  return stops[0]?.geometry.coordinates ?? null;
}
