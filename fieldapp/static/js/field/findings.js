// The findings on this phone's screen: the server's list merged with this phone's own (IndexedDB first, so
// an entry not yet sent is shown too), drawn on the map, in "My findings" and in "All findings".
import * as store from "./store.js";

export class FindingsView {
  /**
   * @param {object} options
   * @param {object} options.walk the page's walk data (stops, categories, the findings it was drawn with)
   * @param {string} options.slug
   * @param {import("./map.js").FieldMap} options.map
   * @param {import("./sync-view.js").SyncView} options.syncView "My findings" and the sync status
   * @param {import("./everyone.js").EveryoneList} options.everyone "All findings"
   */
  constructor({ walk, slug, map, syncView, everyone }) {
    Object.assign(this, { walk, slug, map, syncView, everyone });
    this.categoryNames = Object.fromEntries(walk.categories.map((c) => [c.code, c.name]));
    this.serverFindings = walk.findings?.features ?? [];
  }

  setServerFindings(features) {
    this.serverFindings = features;
  }

  /** A finding kept on this phone as a GeoJSON feature like the server's. */
  localFeature(record) {
    const body = record.body;
    const stop = this.walk.stops.features.find((f) => f.properties.seq === body.stop);
    const coordinates = body.lon != null ? [body.lon, body.lat] : stop?.geometry.coordinates;
    return {
      type: "Feature",
      id: record.uuid,
      geometry: coordinates ? { type: "Point", coordinates } : null,
      properties: { category_name: this.categoryNames[body.category] ?? body.category, polarity: body.polarity,
                    note: body.note, stop: body.stop ?? null, mine: true, pending: record.state !== "sent",
                    photo_count: 0 },
    };
  }

  /** Draw everything again; returns whether something waits to be sent. */
  async render() {
    const records = await store.findingsForWalk(this.slug);
    const photos = await store.photosForWalk(this.slug);
    const checks = this.walk.follows_up ? await store.checksForWalk(this.slug) : [];
    const local = new Map(records.map((r) => [r.uuid, r]));
    const mine = records.filter((r) => !r.deleted).map((r) => {
      const feature = this.localFeature(r);
      const server = this.serverFindings.find((f) => f.id === r.uuid);
      const count = photos.filter((p) => p.finding === r.uuid && !p.withdrawn).length;
      // The server's copy carries the photo URLs for the popup; this phone's copy is the newer text.
      if (server && !feature.properties.pending) feature.properties.photos = server.properties.photos;
      feature.properties.photo_count = count;
      return feature;
    });
    const everyone = this.serverFindings.filter((f) => !local.has(f.id)).concat(mine);
    this.map.setFindings(everyone);
    this.everyone.update(everyone);
    this.syncView.render(records, photos, checks);
    return [records, photos, checks].some((items) => items.some((item) => item.state === "pending"));
  }
}
