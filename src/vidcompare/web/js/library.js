/* The Leaderboard view across all the caller's jobs (?view=leaderboard): filters, the ranking
 * with Bradley–Terry ratings and CIs, the forest plot, the model × prompt heat map, prompt A/B
 * and the judges' position consistency, from GET /api/leaderboard. The filters live in the
 * address, so a link or a reload shows the same view; Back and Forward move between filters.
 * While it shows, the page's other sections are hidden (body.view-library, library.css). */
import { api } from "./api.js";
import { clearError, showError } from "./banner.js";
import { $, h } from "./dom.js";
import { plural } from "./format.js";
import { forestPlot } from "./forest-plot.js";
import { heatMap } from "./heat-map.js";
import { choicesFromJobs, fillChoices, filterForm, syncForm } from "./library-filters.js";
import { apiQuery, forestRows, isFiltered, pageQuery, rankColumns, readFilters } from "./library-model.js";
import { judgesTable, promptTable, rankingTable } from "./library-tables.js";
import { modelName } from "./state.js";

const ROW_LABELS = { model: "Prompt", prompt: "Prompt", prompt_tag: "Prompt tag" };
let filters = readFilters("");
let answer = null; // the last leaderboard shown
let requestSeq = 0;
let failure = ""; // the message this view put in the banner, if any
let built = false;

/** Whether the address asks for this view. */
export function libraryInUrl() {
  return new URLSearchParams(location.search).get("view") === "leaderboard";
}

/** Wire the top bar's link and the history; show the view if the address asks for it. */
export function bindLibrary() {
  $("library-link").addEventListener("click", (event) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    history.pushState({ library: true }, "", `?${pageQuery(readFilters(""))}`);
    showLibrary();
  });
  // Leaving the view: the top bar's other links and Back to an address without it.
  for (const link of document.querySelectorAll(".topnav a:not(#library-link)")) link.addEventListener("click", leaveLibrary);
  window.addEventListener("popstate", () => (libraryInUrl() ? showLibrary() : hideLibrary()));
  if (libraryInUrl()) showLibrary();
}

/** Everything again (a new API key may see more jobs), if the view shows. */
export function reloadLibrary() {
  if (!libraryInUrl() || !built) return;
  loadChoices();
  load();
}

function leaveLibrary() {
  if (!libraryInUrl()) return;
  history.pushState({}, "", location.pathname + location.hash);
  hideLibrary();
}

function hideLibrary() {
  document.body.classList.remove("view-library");
  $("library").hidden = true;
}

function showLibrary() {
  filters = readFilters(location.search);
  document.body.classList.add("view-library");
  $("library").hidden = false;
  if (!built) build();
  syncForm(filters);
  load();
}

function build() {
  built = true;
  $("library").replaceChildren(
    h("div", { class: "card-head" }, h("h1", { id: "library-title" }, "Leaderboard across jobs"), h("span", { class: "muted", id: "library-summary", "aria-live": "polite" })),
    filterForm(() => filters, applyFilters),
    h("p", { class: "library-status muted", id: "library-status", role: "status" }),
    h("div", { id: "library-body" }),
  );
  loadChoices();
}

async function loadChoices() {
  try {
    const jobs = await api("GET", "/api/jobs?limit=100");
    fillChoices(choicesFromJobs(jobs.jobs, modelName), filters);
  } catch (error) {
    showError(error.message);
  }
}

/** New filters: into the address (a history entry), the form, and a new request. */
function applyFilters(next) {
  const metricOnly = next.metric !== filters.metric && pageQuery({ ...next, metric: filters.metric }) === pageQuery(filters);
  filters = next;
  history.pushState({ library: true }, "", `?${pageQuery(filters)}`);
  syncForm(filters);
  if (metricOnly && answer) render(answer);
  else load();
}

async function load() {
  const seq = ++requestSeq;
  const query = apiQuery(filters);
  $("library-status").textContent = "Loading…";
  $("library").setAttribute("aria-busy", "true");
  let data;
  try {
    data = await api("GET", `/api/leaderboard${query ? `?${query}` : ""}`);
  } catch (error) {
    if (seq !== requestSeq) return;
    $("library").removeAttribute("aria-busy");
    $("library-status").textContent = "The leaderboard could not be loaded.";
    $("library-body").replaceChildren();
    showError(error.message);
    failure = error.message;
    return;
  }
  if (seq !== requestSeq) return;
  $("library").removeAttribute("aria-busy");
  // The banner's message is gone with its cause; another part's message stays.
  if (failure && $("error-text").textContent === failure) clearError();
  failure = "";
  answer = data;
  render(data);
}

function nameOf(id) {
  const known = answer && answer.models.find((m) => m.model_id === id);
  return known && known.model_name ? known.model_name : modelName(id);
}

function render(data) {
  const body = $("library-body");
  $("library-summary").textContent = data.comparisons ? `${plural(data.comparisons, "combination")} over ${plural(data.jobs, "job")}` : "";
  if (!data.comparisons || !data.models.length) {
    $("library-status").textContent = "";
    body.replaceChildren(emptyState());
    return;
  }
  $("library-status").textContent = `Bootstrap: ${data.resamples} resamples, seed ${data.seed}. 95 % confidence intervals.`;
  const rowLabel = ROW_LABELS[filters.by];
  const sections = [
    section("library-ranking-section", "Ranking", rankingTable(data.models)),
    section("library-forest-section", "Forest plot: 95 % confidence intervals", [metricToggle(), h("figure", { class: "forest-figure", id: "library-forest" })]),
    data.matrix && data.matrix.prompts.length ? section("library-heat-section", `Mean score per model × ${rowLabel.toLowerCase()}`, heatMap(rankColumns(data.matrix, data.models.map((m) => m.model_id)), nameOf, rowLabel)) : null,
    filters.by !== "model" && data.by_prompt ? section("library-prompt-section", `Prompt A/B: per ${rowLabel.toLowerCase()}`, promptTable(data, nameOf, rowLabel)) : null,
    data.judges && data.judges.length ? section("library-judges-section", "Judges’ position consistency", h("div", { class: "table-wrap" }, judgesTable(data.judges, nameOf))) : null,
  ];
  body.replaceChildren(...sections.filter(Boolean)); // replaceChildren would write a null as "null"
  drawForest();
}

function section(id, title, content) {
  return h("section", { class: "library-section", id, "aria-labelledby": `${id}-title` }, h("h2", { id: `${id}-title` }, title), content);
}

function emptyState() {
  const filtered = isFiltered(filters);
  return h(
    "div",
    { class: "library-empty", id: "library-empty" },
    h("p", { class: "library-empty-title" }, filtered ? "Nothing matches these filters." : "No completed comparisons yet."),
    h(
      "p",
      { class: "muted" },
      filtered ? "No judged combination of your jobs passes every filter. " : "Run a comparison: once its combinations are judged, the models are ranked here across all your jobs.",
      filtered ? h("button", { type: "button", class: "link-button", onclick: () => $("library-clear").click() }, "Clear the filters") : null,
    ),
  );
}

/** Rating or mean score for the forest plot (kept in the address as metric=score). */
function metricToggle() {
  const option = (value, label) =>
    h("label", { class: "check" }, h("input", { type: "radio", name: "library-metric", value, checked: filters.metric === value, onchange: () => applyFilters({ ...filters, metric: value }) }), h("span", {}, label));
  return h("div", { class: "metric-toggle", role: "radiogroup", "aria-label": "What the plot shows" }, option("rating", "BT rating"), option("score", "Mean score"));
}

function drawForest() {
  const figure = $("library-forest");
  if (!figure || !answer) return;
  const width = Math.max(280, Math.floor(figure.clientWidth));
  figure.replaceChildren(forestPlot(forestRows(answer.models, filters.metric), filters.metric, width));
}

// The plot is drawn at its box's width (its text stays readable): again when that changes.
let lastWidth = 0;
window.addEventListener("resize", () => {
  const figure = $("library-forest");
  if (figure && figure.clientWidth !== lastWidth) {
    lastWidth = figure.clientWidth;
    drawForest();
  }
});
