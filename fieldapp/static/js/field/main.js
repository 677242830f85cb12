// The field page's boot: reads the walk the page was drawn with and wires the parts together. Each part
// has one job: theme.js, position.js (GPS), map.js, findings.js (what is drawn), everyone.js ("All
// findings"), early.js (the page before Leaflet), capture.js (saving on the phone), sync.js (outbox, live updates, service worker).
import { Capture } from "./capture.js";
import { initTheme } from "./theme.js";
import { EveryoneList } from "./everyone.js";
import { FindingsView } from "./findings.js";
import { lazyFieldMap } from "./early.js";
import { Outbox } from "./outbox.js";
import { PositionWatch } from "./position.js";
import { walkStart } from "./progress.js";
import { SyncWiring } from "./sync.js";
import { SyncView } from "./sync-view.js";
import { initTabs } from "./tabs.js";

const root = document.querySelector(".field");
const walk = JSON.parse(document.getElementById("walk-data").textContent);
const slug = root.dataset.slug;

initTheme(root);
// A stand-in that forwards to the real map once Leaflet has loaded (early.js): the page is usable first.
const map = lazyFieldMap(document.getElementById("field-map"), walk);
const outbox = new Outbox(slug);
const position = new PositionWatch(walk);
initTabs(document.querySelector(".findings-tabs"));

let capture = null;
const syncView = new SyncView({
  outbox,
  categoryNames: Object.fromEntries(walk.categories.map((c) => [c.code, c.name])),
  accepts: root.dataset.accepts === "true",
  onEdit: (record) => capture.edit(record),
  onDelete: (record) => capture.delete(record),
});
const everyone = new EveryoneList({
  list: document.getElementById("everyone-list"),
  basis: document.getElementById("everyone-basis"),
  count: document.getElementById("everyone-count"),
  start: walkStart(walk),
  onShow: (id) => {
    document.getElementById("field-map").scrollIntoView({ block: "start" });
    map.showFinding(id);
  },
});
const findings = new FindingsView({ walk, slug, map, syncView, everyone });
const sync = new SyncWiring({ root, slug, outbox, findings });
capture = new Capture({ slug, walk, map, outbox, position, render: () => sync.render(),
                        showProblem: (message) => syncView.showProblem(message) });

position.addEventListener("change", () => {
  map.setPosition(position.current);
  everyone.setPosition(position.current);
});
position.start();

const rejoinData = document.getElementById("rejoin-data");
if (rejoinData) await capture.storing(() => outbox.remember(JSON.parse(rejoinData.textContent)));
sync.start();
await sync.render();
outbox.retryNow(); // on page open everything waiting is due, whatever backoff an earlier visit left
sync.refreshServerFindings();
if (walk.follows_up) {
  // Only a follow-up walk needs this part: loaded after the page is usable, never before the first tap.
  const { FollowUp } = await import("./followup.js");
  const followUp = new FollowUp({ slug, map, outbox, progress: document.getElementById("follow-up-progress") });
  followUp.start().catch((error) => console.error(error));
}
root.dataset.ready = "true";
