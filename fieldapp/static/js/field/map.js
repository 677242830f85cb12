// The field map: route, numbered stops, my position with its accuracy circle, everyone's findings
// (clustered where their markers would overlap: Leaflet.markercluster), and a draggable marker for placing
// a finding by hand.
/* global L */
import { defaultView } from "../map-view.js";
import { t } from "./i18n.js";

// Markers are drawn small but take taps in a 44 px box (a gloved finger), see field.css.
const HIT = 44;

function stopIcon(seq) {
  return L.divIcon({ className: "stop-marker", html: `<span>${Number(seq)}</span>`, iconSize: [HIT, HIT], iconAnchor: [HIT / 2, HIT / 2] });
}

// Markers whose 44 px hit areas would overlap are drawn as one cluster (count and a name for screen
// readers); a tap zooms in, and at the closest zoom a cluster spreads its markers out.
const CLUSTER_RADIUS_PX = HIT;
// A finding or cluster at a stop (within AT_STOP_M) is drawn as a badge on the stop's rim, pushed away from
// the stop's centre (up-right when exactly on it), so the stop's number stays readable and both take taps.
const AT_STOP_M = 20;
const BADGE_OFFSET_PX = 20;

/** The icon anchor for a marker pushed by BADGE_OFFSET_PX along `direction` ([x, y] on screen), or centred. */
function anchor(direction) {
  if (!direction) return [HIT / 2, HIT / 2];
  return [HIT / 2 - direction[0] * BADGE_OFFSET_PX, HIT / 2 - direction[1] * BADGE_OFFSET_PX];
}

let LabelledIcon = null;
/** A div icon whose element carries an accessible name and data attributes (findings and clusters). */
function labelledIcon(options) {
  LabelledIcon ??= L.DivIcon.extend({
    createIcon(oldIcon) {
      const element = L.DivIcon.prototype.createIcon.call(this, oldIcon);
      element.setAttribute("aria-label", this.options.label);
      Object.assign(element.dataset, this.options.data ?? {});
      return element;
    },
  });
  return new LabelledIcon({ iconSize: [HIT, HIT], iconAnchor: [HIT / 2, HIT / 2], ...options });
}

function findingLabel(props) {
  return [props.category_name, t(props.polarity === "safe" ? "safe" : "unsafe"),
          props.mine ? t("yourFinding") : null].filter(Boolean).join(" · ");
}

/** A finding's dot: colour by polarity (class, no inline style under the CSP), larger for my own. */
function findingIcon(id, props, push) {
  const kind = props.pending ? "pending" : ["safe", "unsafe"].includes(props.polarity) ? props.polarity : "other";
  return labelledIcon({ className: `finding-marker finding-${kind}${props.mine ? " mine" : ""}`, html: "<span></span>",
                        label: findingLabel(props), data: { finding: id }, iconAnchor: anchor(push) });
}

function clusterIcon(cluster, push) {
  const count = cluster.getChildCount();
  return labelledIcon({ className: "finding-cluster", html: `<span aria-hidden="true">${Number(count)}</span>`,
                        label: t("clusterLabel", { count }), iconAnchor: anchor(push) });
}

function findingPopup(props) {
  const thumb = props.photos?.[0]?.thumb_url;
  const image = thumb && /^\/photos\//.test(thumb)
    ? `<img class="popup-thumb" src="${text(thumb)}" alt="${text(t("photoOf", { category: props.category_name }))}" width="120" height="90">`
    : "";
  return `${image}<strong>${text(props.category_name)}</strong>${props.note ? `<br>${text(props.note)}` : ""}`
    + `${props.mine ? `<br><em>${text(t("yourFinding"))}</em>` : ""}`;
}

/** An earlier walk's finding (follow-up walk): a hollow ring, filled in once this phone has checked it. */
function earlierIcon(item, push) {
  const checked = item.check?.verdict ?? "none";
  const label = [t("lastWalkFinding", { category: item.category }), t("measureStatus", { status: item.status_label }),
                 checkText(item.check)].join(" · ");
  return labelledIcon({ className: `earlier-marker earlier-${checked}`, html: "<span></span>", label,
                        data: { earlier: item.uuid, checked }, iconAnchor: anchor(push) });
}

function earlierClusterIcon(cluster, push) {
  const count = cluster.getChildCount();
  return labelledIcon({ className: "earlier-cluster", html: `<span aria-hidden="true">${Number(count)}</span>`,
                        label: t("lastWalkCluster", { count }), iconAnchor: anchor(push) });
}

/** "Checked: fixed (waiting to send)" and the like, or "Not checked yet". */
export function checkText(check) {
  if (!check) return t("notChecked");
  const said = t(check.verdict === "fixed" ? "checkedFixed" : "checkedStill");
  if (check.state === "pending") return `${said} (${t("checkWaiting")})`;
  if (check.state === "attention") return `${said} (${t("checkAttention", { reason: check.reason?.message ?? "" })})`;
  return said;
}

/** The popup of an earlier finding: what it was, its measure, and the two verdict buttons (a tap each). */
function earlierPopup(item, onVerdict, close) {
  const box = document.createElement("div");
  box.className = "earlier-popup";
  const note = item.check?.note ?? "";
  box.innerHTML = `<p class="kicker">${text(t("lastWalk"))}</p><strong>${text(item.category)}</strong>`
    + `<p>${text(t("measureStatus", { status: item.status_label }))}</p>`
    + (item.public_answer ? `<p>${text(t("publicAnswer", { answer: item.public_answer }))}</p>` : "")
    + `<p class="earlier-checked" data-checked="${text(item.check?.verdict ?? "none")}">${text(checkText(item.check))}</p>`
    + `<p class="earlier-question">${text(t("checkQuestion"))}</p>`
    + '<div class="earlier-verdicts">'
    + `<button type="button" class="button verdict-fixed" data-verdict="fixed" aria-pressed="${item.check?.verdict === "fixed"}">${text(t("verdictFixed"))}</button>`
    + `<button type="button" class="button verdict-still" data-verdict="still_problem" aria-pressed="${item.check?.verdict === "still_problem"}">${text(t("verdictStill"))}</button>`
    + "</div>"
    + `<label class="earlier-note">${text(t("checkNote"))}<textarea rows="2" maxlength="2000">${text(note)}</textarea></label>`;
  L.DomEvent.disableClickPropagation(box);
  for (const button of box.querySelectorAll("button[data-verdict]")) {
    button.addEventListener("click", () => {
      onVerdict(item.uuid, button.dataset.verdict, box.querySelector("textarea").value);
      close();
    });
  }
  return box;
}

/** My position: a white ring round a dark dot (distinct from the blue route, numbered stops and coloured
 * findings), with a heading cone when the device reports one. Drawn in its own pane above every marker. */
function meIcon(heading) {
  const cone = heading == null ? "" : '<span class="me-cone"></span>';
  return L.divIcon({ className: "me-marker", html: `${cone}<span class="me-dot"></span>`, iconSize: [44, 44], iconAnchor: [22, 22] });
}

function text(value) {
  const span = document.createElement("span");
  span.textContent = value ?? "";
  return span.innerHTML;
}

/** Bring ``layer`` (a cluster group) in step with ``items``: one marker per item (``known``: id → {key,
 * marker}), replaced only when the item changed, so a popup someone is reading stays open; removed when the
 * item is gone. */
function syncMarkers(layer, known, items, { idOf, keyOf, make }) {
  const current = new Set();
  const added = [];
  for (const item of items) {
    const id = idOf(item);
    const key = keyOf(item);
    current.add(id);
    const old = known.get(id);
    if (old?.key === key) continue;
    if (old) layer.removeLayer(old.marker);
    const marker = make(item);
    known.set(id, { key, marker });
    added.push(marker);
  }
  for (const [id, { marker }] of known) {
    if (!current.has(id)) {
      layer.removeLayer(marker);
      known.delete(id);
    }
  }
  layer.addLayers(added);
}

export class FieldMap {
  constructor(container, walk) {
    this.walk = walk;
    this.map = L.map(container, { zoomControl: true, tap: true });
    // Panes: my accuracy circle under the findings, my position above stops, findings and the picker.
    this.map.createPane("meAccuracy").style.zIndex = "350";
    this.map.createPane("me").style.zIndex = "680";
    // Findings and their clusters above the stops (a stop is also in the list under the map and in the
    // sheet), so every finding can be tapped at every zoom.
    this.map.createPane("findings").style.zIndex = "640";
    this.map.createPane("picker").style.zIndex = "660";
    L.tileLayer(container.dataset.tileUrl, { maxZoom: 19, attribution: container.dataset.tileAttribution }).addTo(this.map);
    const layers = [];
    if (walk.route) {
      this.route = L.geoJSON(walk.route, { style: { color: "#1d4ed8", weight: 6, opacity: 0.85 } }).addTo(this.map);
      layers.push(this.route);
    }
    this.stops = L.geoJSON(walk.stops, {
      pointToLayer: (feature, latlng) =>
        L.marker(latlng, { icon: stopIcon(feature.properties.seq), title: `${feature.properties.seq}. ${feature.properties.name}` }),
      onEachFeature: (feature, layer) => layer.bindPopup(`<strong>${Number(feature.properties.seq)}. ${text(feature.properties.name)}</strong>`),
    }).addTo(this.map);
    layers.push(this.stops);
    this.findings = L.markerClusterGroup({
      maxClusterRadius: CLUSTER_RADIUS_PX,
      showCoverageOnHover: false,
      spiderfyOnMaxZoom: true,
      clusterPane: "findings",
      iconCreateFunction: (cluster) => clusterIcon(cluster, this.awayFromStop(cluster.getLatLng())),
    }).addTo(this.map);
    this.markers = new Map(); // finding id → {key, marker}
    this.earlier = null; // a follow-up walk: the earlier walk's findings (setEarlierFindings)
    this.earlierMarkers = new Map();
    const bounds = L.featureGroup(layers).getBounds();
    if (bounds.isValid()) this.map.fitBounds(bounds, { padding: [20, 20] });
    else this.map.setView(...defaultView());
    this.me = null;
    this.meCircle = null;
    this.meHeading = null;
    this.picker = null;
    this.setFollowing(true);
    // The map follows the walker until they move it themselves; "centre on me" turns following back on.
    this.map.on("dragstart", () => this.setFollowing(false));
    this.addCentreControl();
    container.dataset.ready = "true";
  }

  addCentreControl() {
    const Control = L.Control.extend({
      onAdd: () => {
        const button = L.DomUtil.create("button", "button centre-on-me");
        button.type = "button";
        button.id = "centre-on-me";
        button.innerHTML = `<span aria-hidden="true">◎</span> <span>${text(t("centreOnMe"))}</span>`;
        button.disabled = true;
        L.DomEvent.disableClickPropagation(button);
        L.DomEvent.on(button, "click", () => this.centreOnMe());
        this.centreButton = button;
        return button;
      },
    });
    new Control({ position: "bottomright" }).addTo(this.map);
  }

  setFollowing(following) {
    this.following = following;
    this.map.getContainer().dataset.following = String(following);
  }

  centreOnMe() {
    if (!this.me) return;
    this.setFollowing(true);
    this.map.setView(this.me.getLatLng(), Math.max(this.map.getZoom(), 16));
  }

  setPosition(position) {
    const latlng = [position.lat, position.lon];
    const heading = Number.isFinite(position.heading) ? position.heading : null;
    if (!this.me) {
      this.meCircle = L.circle(latlng, { radius: position.accuracy, pane: "meAccuracy", color: "#0f172a", weight: 2,
                                         dashArray: "4 4", fillColor: "#0f172a", fillOpacity: 0.12, interactive: false }).addTo(this.map);
      // Interactive only so it sits on top for taps; a tap still reaches the map (bubbling) for placing a finding.
      this.me = L.marker(latlng, { icon: meIcon(heading), pane: "me", keyboard: false, bubblingMouseEvents: true,
                                   title: t("myPosition") }).addTo(this.map);
      this.centreButton.disabled = false;
    } else {
      this.me.setLatLng(latlng);
      this.meCircle.setLatLng(latlng).setRadius(position.accuracy);
      if ((heading == null) !== (this.meHeading == null)) this.me.setIcon(meIcon(heading));
    }
    this.meHeading = heading;
    const element = this.me.getElement();
    element?.setAttribute("data-testid", "my-position");
    if (element) Object.assign(element.dataset, { lat: String(position.lat), lon: String(position.lon) });
    // Rotation set through the DOM: the page's CSP allows no inline style attributes.
    const cone = element?.querySelector(".me-cone");
    if (cone) cone.style.transform = `rotate(${Math.round(heading)}deg)`;
    if (this.following && !this.picker && !this.map.getBounds().pad(-0.2).contains(latlng)) {
      this.map.panTo(latlng, { animate: false });
    }
  }

  /** Everyone's findings (GeoJSON features); pending local ones are drawn in another colour. Only markers
   * that changed are replaced, so a popup someone is reading stays open when others' findings arrive. */
  setFindings(features) {
    syncMarkers(this.findings, this.markers, features.filter((feature) => feature.geometry), {
      idOf: (feature) => feature.id,
      keyOf: (feature) => JSON.stringify([feature.geometry.coordinates, feature.properties]),
      make: (feature) => {
        const [lon, lat] = feature.geometry.coordinates;
        const props = feature.properties;
        const icon = findingIcon(feature.id, props, this.awayFromStop(L.latLng(lat, lon)));
        return L.marker([lat, lon], { icon, title: props.category_name ?? "", pane: "findings" })
          .bindPopup(findingPopup(props), { minWidth: 140 });
      },
    });
  }

  /** A follow-up walk: the earlier walk's findings as their own clustered layer (under this walk's findings).
   * ``items`` are the API's earlier findings with this phone's ``check`` (or null); a verdict button calls
   * ``onVerdict(earlierUuid, verdict, note)``. Only markers that changed are replaced. */
  setEarlierFindings(items, onVerdict) {
    if (!this.earlier) {
      this.map.createPane("earlier").style.zIndex = "630";
      this.earlier = L.markerClusterGroup({
        maxClusterRadius: CLUSTER_RADIUS_PX,
        showCoverageOnHover: false,
        spiderfyOnMaxZoom: true,
        clusterPane: "earlier",
        iconCreateFunction: (cluster) => earlierClusterIcon(cluster, this.awayFromStop(cluster.getLatLng())),
      }).addTo(this.map);
    }
    syncMarkers(this.earlier, this.earlierMarkers, items, {
      idOf: (item) => item.uuid,
      keyOf: (item) => JSON.stringify(item),
      make: (item) => {
        const latlng = L.latLng(item.lat, item.lon);
        const marker = L.marker(latlng, { icon: earlierIcon(item, this.awayFromStop(latlng)), pane: "earlier",
                                          title: t("lastWalkFinding", { category: item.category }) });
        return marker.bindPopup(() => earlierPopup(item, onVerdict, () => marker.closePopup()), {
          minWidth: 220, autoPanPaddingTopLeft: [12, 96], // clear of the map's hint at the top
        });
      },
    });
  }

  /** For a place at a stop: the screen direction [x, y] (unit) from the stop's centre to it; else null. */
  awayFromStop(latlng) {
    const stop = this.stops.getLayers().map((layer) => layer.getLatLng())
      .find((point) => this.map.distance(point, latlng) <= AT_STOP_M);
    if (!stop) return null;
    const dx = (latlng.lng - stop.lng) * Math.cos((stop.lat * Math.PI) / 180);
    const dy = stop.lat - latlng.lat; // screen y grows southwards
    const length = Math.hypot(dx, dy);
    return length ? [dx / length, dy / length] : [Math.SQRT1_2, -Math.SQRT1_2];
  }

  /** Bring a finding into view (out of its cluster) and open it; the map stops following the walker. */
  showFinding(id) {
    const entry = this.markers.get(id);
    if (!entry) return;
    this.setFollowing(false);
    this.findings.zoomToShowLayer(entry.marker, () => {
      entry.marker.openPopup();
      entry.marker.getElement()?.focus({ preventScroll: true });
    });
  }

  /** Show a draggable marker at lat/lon; taps on the map move it. Calls onMove({lat, lon}). */
  startPicking(position, onMove) {
    this.stopPicking();
    const latlng = position ? [position.lat, position.lon] : this.map.getCenter();
    this.picker = L.marker(latlng, { draggable: true, autoPan: true, keyboard: true, title: t("mapPosition"),
                                     pane: "picker" }).addTo(this.map);
    const report = () => {
      const { lat, lng } = this.picker.getLatLng();
      onMove({ lat, lon: lng });
    };
    this.picker.on("dragend", report);
    this.onMapClick = (event) => {
      this.picker.setLatLng(event.latlng);
      report();
    };
    this.map.on("click", this.onMapClick);
    this.map.panTo(latlng);
    report();
  }

  /** Taps on the map (not while placing a marker) call onTap({lat, lng}). */
  onTap(handler) {
    this.map.on("click", (event) => {
      if (!this.picker) handler(event.latlng);
    });
  }

  stopPicking() {
    if (this.picker) {
      this.picker.remove();
      this.map.off("click", this.onMapClick);
      this.picker = null;
    }
  }

  invalidate() {
    this.map.invalidateSize();
  }
}
