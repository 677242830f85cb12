// The walker's GPS position: watches it, says how exact it is and where they are on the route
// ("stop 3 of 7 · 420 m along the route"), and tells the rest of the page ("change" events).
import { t } from "./i18n.js";
import { currentStop, progressAlong } from "./progress.js";

export class PositionWatch extends EventTarget {
  constructor(walk) {
    super();
    this.walk = walk;
    /** {lat, lon, accuracy, heading} or null while there is no fix */
    this.current = null;
  }

  start() {
    if (!("geolocation" in navigator)) return;
    navigator.geolocation.watchPosition(
      (position) => {
        const { latitude, longitude, accuracy, heading, speed } = position.coords;
        // A heading is only meaningful while moving; a standing phone reports null or NaN.
        const moving = Number.isFinite(heading) && !(speed === 0);
        this.current = { lat: latitude, lon: longitude, accuracy, heading: moving ? heading : null };
        document.getElementById("gps-status").textContent = t("accuracy", { metres: Math.round(accuracy) });
        this.showProgress();
        this.dispatchEvent(new Event("change"));
      },
      () => {
        document.getElementById("progress").textContent = t("positionDenied");
      },
      { enableHighAccuracy: true, maximumAge: 10_000, timeout: 30_000 },
    );
  }

  showProgress() {
    const line = document.getElementById("progress");
    if (!this.current || !this.walk.route) return;
    const route = this.walk.route.geometry;
    const progress = progressAlong(route, [this.current.lon, this.current.lat]);
    const stops = this.walk.stops.features;
    const stop = currentStop(route, stops, progress.alongM);
    let text = t("stopProgress", { stop: stop ?? "–", total: stops.length, metres: Math.round(progress.alongM) });
    if (progress.offsetM > 50) text += ` · ${t("offRoute", { metres: Math.round(progress.offsetM) })}`;
    line.textContent = text;
  }
}
