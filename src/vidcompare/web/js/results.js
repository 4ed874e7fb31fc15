/* The results view: the table of combinations × models with its filters, sorting and
 * pages; the detail of one combination (?combo=N, 1-based, in the address while open);
 * exports; comparing with another job; then the leaderboard. renderResult is called with
 * each result the job's polling brings; what the user chose (filters, sort, page, an open
 * detail) survives the polls and is reset for another job.
 *
 * Opening a detail from the table is a history entry of its own: Back closes it, Forward
 * opens it again; Prev/Next change that entry; Esc and Close go back when the entry is
 * ours, so that Back does not open it again. A deep link's detail replaces nothing. */
import { closeDetail, bindDetail, isDetailOpen, openDetail } from "./answer-view.js";
import { bindCompare, setCompareBase } from "./compare.js";
import { $, h } from "./dom.js";
import { bindExport } from "./export.js";
import { plural } from "./format.js";
import { renderLeaderboard } from "./leaderboard.js";
import { buildRows, filterRows, noFilters, resultModels, shownModels, sortRows } from "./results-model.js";
import { renderTable } from "./results-table.js";
import { videoName } from "./state.js";

const view = {
  result: null,
  rows: [],
  ordered: [], // the rows as the table shows them: filtered and sorted
  models: [],
  filters: noFilters(),
  sort: { key: "number", direction: "ascending" },
  page: 0,
  combo: null, // the combination number open in the detail
  deepLinkDone: false, // ?combo=N of the address has been opened (or found missing)
};
let bound = false;
// Marks the history entries this page pushed for a detail (not one of a page before a reload).
const PAGE_MARK = `${Date.now()}-${Math.random()}`;

export function renderResult(result) {
  const started = performance.now();
  if (!bound) bind();
  if (!view.result || view.result.job_id !== result.job_id) startJob();
  view.result = result;
  view.rows = buildRows(result, videoName);
  view.models = resultModels(result);
  $("results-panel").hidden = view.rows.length === 0;
  $("results-count").textContent = result.complete
    ? plural(result.total_combinations, "combination")
    : `${result.completed_combinations} of ${result.total_combinations} combinations so far`;
  $("filter-disagreement").closest("label").hidden = (result.judge && result.judge.judge_swaps) !== 2;
  fillChoices();
  draw();
  setCompareBase(result);
  renderLeaderboard(result);
  openFromAddress();
  // For the benchmark (benchmarks/web_results.py): what drawing this result took.
  performance.measure("vidcompare:results", { start: started });
}

function startJob() {
  closeDetail({ quiet: true }); // the address already names the other job
  view.filters = noFilters();
  view.sort = { key: "number", direction: "ascending" };
  view.page = 0;
  view.deepLinkDone = false;
  $("results-filters").reset();
}

// ------------------------------------------------------------------ the table
function draw() {
  const filtered = filterRows(view.rows, view.models, view.filters);
  const rows = sortRows(filtered, view.sort.key, view.sort.direction);
  view.ordered = rows;
  const ids = shownModels(view.models, view.filters);
  const models = view.models.filter((m) => ids.includes(m.id));
  renderTable($("results-table"), $("results-pager"), { rows, models, sort: view.sort, page: view.page }, { sort: sortBy, open, page: toPage, clear: clearFilters });
  $("results-shown").textContent =
    rows.length === view.rows.length ? `All ${plural(rows.length, "row")}` : `${rows.length} of ${plural(view.rows.length, "row")} match`;
}

function sortBy(key) {
  const same = view.sort.key === key;
  // A model's score sorts best first; the other columns A→Z / 1→N first.
  const first = key === "number" || key === "video" || key === "prompt" ? "ascending" : "descending";
  const other = first === "ascending" ? "descending" : "ascending";
  view.sort = { key, direction: same ? (view.sort.direction === first ? other : first) : first };
  view.page = 0;
  draw();
  toTop();
  $("results-table").querySelector(`th[data-key="${CSS.escape(key)}"] button`).focus();
}

/** Every filter off (the form's reset reads them again), and the focus on the first. */
function clearFilters() {
  const form = $("results-filters");
  form.reset();
  form.querySelector("select, input").focus();
}

function toPage(page) {
  view.page = page;
  draw();
  toTop();
  $("results-table").scrollIntoView({ block: "nearest" });
}

/** The table's box back to its first row (other rows, another order, another page). */
function toTop() {
  $("results-table").parentElement.scrollTop = 0;
}

/** The choices of the model, video and prompt filters, from the rows (kept when polled). */
function fillChoices() {
  const options = (select, all, entries) => {
    const key = JSON.stringify(entries);
    if (select.dataset.choices === key) return; // unchanged: an open list stays open
    select.dataset.choices = key;
    const chosen = select.value;
    select.replaceChildren(h("option", { value: "" }, all), ...entries.map(([value, label]) => h("option", { value, title: label }, label)));
    select.value = entries.some(([value]) => value === chosen) ? chosen : "";
  };
  options($("filter-model"), "All models", view.models.map((m) => [m.id, m.name]));
  const videos = new Map(view.rows.map((row) => [row.videoId, row.video]));
  options($("filter-video"), "All videos", [...videos]);
  const prompts = [...new Set(view.rows.map((row) => row.prompt))];
  options($("filter-prompt"), "All prompts", prompts.map((p) => [p, p.length > 60 ? `${p.slice(0, 57)}…` : p]));
}

function readFilters() {
  const number = (id) => {
    const value = Number.parseFloat($(id).value);
    return Number.isFinite(value) ? value : null;
  };
  view.filters = {
    model: $("filter-model").value,
    video: $("filter-video").value,
    prompt: $("filter-prompt").value,
    minScore: number("filter-min"),
    maxScore: number("filter-max"),
    errorsOnly: $("filter-errors").checked,
    disagreement: $("filter-disagreement").checked,
    search: $("filter-search").value,
  };
  view.page = 0;
  draw();
  toTop();
}

// ------------------------------------------------------------------ the detail
/** Open `row`'s detail. address: "push" (a new history entry), "replace" (this entry names
 * it) or "keep" (the history moved to it already). */
function open(row, modelId, opener, address = "push") {
  const wasOpen = isDetailOpen();
  view.combo = row.number;
  const ids = shownModels(view.models, view.filters);
  // Prev and Next follow the table's order (a row filtered out: the combination order).
  const order = view.ordered.includes(row) ? view.ordered : view.rows;
  const at = order.indexOf(row);
  openDetail(row, view.models, {
    focusModel: modelId && ids.includes(modelId) ? modelId : null,
    previous: order[at - 1] || null,
    next: order[at + 1] || null,
    on: { close: ({ quiet }) => detailClosed(opener, quiet), open: (other) => open(other, null, null, "replace") },
  });
  if (address !== "keep") setComboInAddress(row.number, address === "push" && !wasOpen);
}

function detailClosed(opener, quiet) {
  const number = view.combo;
  view.combo = null;
  if (!quiet) {
    // Back to the entry before ours (its popstate finds the detail closed already).
    if (ourEntry()) history.back();
    else setComboInAddress(null);
  }
  // Back to what opened it; the table may have been drawn again since: its row then.
  const table = $("results-table");
  const target = opener && opener.isConnected ? opener : table.querySelector(`tr[data-combo="${number}"] .combo-open`);
  (target || table.querySelector("th button")).focus();
}

/** Whether the current history entry is one this page pushed for a detail. */
function ourEntry() {
  return Boolean(history.state && history.state.detail === PAGE_MARK);
}

/** The address names combination `number` (null: none), in a new entry when `push`. */
function setComboInAddress(number, push = false) {
  const url = new URL(location.href);
  if (number) url.searchParams.set("combo", String(number));
  else url.searchParams.delete("combo");
  const state = { ...(history.state || {}) };
  if (push) state.detail = PAGE_MARK;
  else if (!number) delete state.detail;
  history[push ? "pushState" : "replaceState"](state, "", url.toString());
}

function comboInAddress() {
  const number = Number.parseInt(new URLSearchParams(location.search).get("combo") || "", 10);
  return Number.isInteger(number) ? number : null;
}

/** Back or Forward within this job: open or close the detail the entry names. */
function followHistory() {
  if (!view.result) return;
  const job = new URLSearchParams(location.search).get("job"); // maybe a short id, a prefix
  if (!job || !view.result.job_id.startsWith(job)) {
    closeDetail({ quiet: true }); // another job's entry: its own results will come
    return;
  }
  const wanted = comboInAddress();
  if (wanted === view.combo) return;
  const row = wanted === null ? null : view.rows.find((r) => r.number === wanted);
  if (row) open(row, null, null, "keep");
  else closeDetail({ quiet: true });
}

/** ?combo=N in the address: open it once its combination is in. */
function openFromAddress() {
  if (view.deepLinkDone || isDetailOpen()) return;
  const wanted = comboInAddress();
  if (wanted === null) {
    view.deepLinkDone = true;
    return;
  }
  const row = view.rows.find((r) => r.number === wanted);
  if (row) {
    view.deepLinkDone = true;
    $("results-panel").scrollIntoView({ block: "start" });
    open(row, null, null, "replace");
  } else if (view.result.complete || wanted < 1 || wanted > view.result.total_combinations) {
    view.deepLinkDone = true; // not there and never will be
    setComboInAddress(null);
  }
}

// ------------------------------------------------------------------ wiring, once
function bind() {
  bound = true;
  const form = $("results-filters");
  form.addEventListener("input", readFilters); // selects and boxes too, once each
  form.addEventListener("submit", (event) => event.preventDefault());
  form.addEventListener("reset", () => setTimeout(readFilters)); // after the fields are reset
  bindDetail();
  window.addEventListener("popstate", followHistory);
  bindCompare();
  bindExport($("results-export"), () => view.result && view.result.job_id);
}
