/* The results table: one row per combination, one column per model (score, a word for it,
 * latency), sortable headers (aria-sort), one page of rows at a time and the pager. Only
 * draws; results.js owns what is filtered, sorted and shown. */
import { h } from "./dom.js";
import { fmtMs, fmtScore } from "./format.js";
import { scoreLabel } from "./results-model.js";

export const PAGE_SIZE = 50;

/**
 * Draw `table` (a <table> with <thead> and <tbody>) and `pager`.
 * view: {rows (filtered and sorted), models [{id, name}] shown, sort {key, direction}, page}
 * on: {sort(key), open(row, modelId | null, opener), page(n), clear()}: clear() empties
 * the filters, offered when no row matches them.
 */
export function renderTable(table, pager, view, on) {
  const columns = [
    { key: "number", label: "#", title: "Combination number" },
    { key: "video", label: "Video" },
    { key: "prompt", label: "Prompt" },
    ...view.models.map((m) => ({ key: m.id, label: m.name, title: `${m.name}: the judge's score (1–10) and the latency`, model: true })),
  ];
  table.tHead.replaceChildren(h("tr", {}, columns.map((column) => header(column, view.sort, on.sort))));
  const pages = Math.max(1, Math.ceil(view.rows.length / PAGE_SIZE));
  const page = Math.min(view.page, pages - 1);
  const shown = view.rows.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
  table.tBodies[0].replaceChildren(...shown.map((row) => tableRow(row, view.models, on.open)));
  // Not in the body: the body's rows are combinations, each with its number.
  const foot = table.tFoot || table.createTFoot();
  foot.replaceChildren(...(view.rows.length ? [] : [emptyRow(columns.length, on.clear)]));
  renderPager(pager, page, pages, view.rows.length, on.page);
}

function emptyRow(span, onClear) {
  return h(
    "tr",
    { class: "empty-row" },
    h(
      "td",
      { colspan: span },
      h("p", {}, "No combination matches these filters."),
      h("button", { type: "button", class: "btn btn-secondary btn-small", onclick: onClear }, "Clear filters"),
    ),
  );
}

function header(column, sort, onSort) {
  const active = sort.key === column.key;
  const direction = active ? sort.direction : "none";
  const arrow = direction === "ascending" ? "▲" : direction === "descending" ? "▼" : "↕";
  return h(
    "th",
    { "aria-sort": direction, class: column.model ? "model-col" : `col-${column.key}`, scope: "col", dataset: { key: column.key } },
    h(
      "button",
      { type: "button", class: "sort-button", title: column.title || `Sort by ${column.label}`, onclick: () => onSort(column.key) },
      column.label,
      h("span", { class: "sort-arrow", "aria-hidden": "true" }, arrow),
    ),
  );
}

function tableRow(row, models, onOpen) {
  const open = (modelId) => (event) => {
    event.stopPropagation();
    onOpen(row, modelId, event.currentTarget);
  };
  return h(
    "tr",
    { dataset: { combo: row.number }, class: row.disagreement ? "disagreement" : "", onclick: (event) => onOpen(row, null, event.currentTarget.querySelector(".combo-open")) },
    h(
      "td",
      { class: "col-number" },
      h("button", { type: "button", class: "combo-open", "aria-label": `Open combination ${row.number}`, onclick: open(null) }, `${row.number}`),
      row.disagreement ? h("span", { class: "flag", title: "The judge's best answer changed when the order was swapped" }, "⇄ judge differs") : null,
      row.judgeError ? h("span", { class: "flag flag-error", title: row.comparison.judge_error }, "judge error") : null,
    ),
    h("td", { class: "col-video", title: row.videoId }, row.video),
    h(
      "td",
      { class: "col-prompt", title: row.prompt },
      // On a phone the video column folds into this one.
      h("span", { class: "prompt-video" }, row.video),
      h("span", { class: "prompt-clamp" }, row.prompt),
    ),
    models.map((m) => h("td", { class: "model-cell", dataset: { modelId: m.id } }, scoreCell(row, m, open(m.id)))),
  );
}

function scoreCell(row, model, onClick) {
  const cell = row.cells.get(model.id);
  if (!cell) return h("span", { class: "cell-missing" }, "—");
  const name = `${model.name}, combination ${row.number}`;
  if (cell.error) {
    return h(
      "button",
      { type: "button", class: "cell cell-error", title: cell.error, "aria-label": `${name}: error`, onclick: onClick },
      h("span", { class: "cell-score" }, "error"),
      h("span", { class: "cell-latency" }, fmtMs(cell.latencyMs)),
    );
  }
  const label = scoreLabel(cell.score);
  const button = h(
    "button",
    { type: "button", class: `cell cell-${label}`, "aria-label": `${name}: score ${fmtScore(cell.score)} (${label}), ${fmtMs(cell.latencyMs)}`, onclick: onClick },
    h("span", { class: "cell-score" }, fmtScore(cell.score)),
    h("span", { class: "cell-label" }, label),
    h("span", { class: "cell-latency" }, fmtMs(cell.latencyMs)),
  );
  // 1 is red, 10 green, through amber: the hue of the cell's background.
  if (cell.score !== null) button.style.setProperty("--hue", String(Math.round(((cell.score - 1) / 9) * 130)));
  return button;
}

function renderPager(pager, page, pages, count, onPage) {
  const first = count ? page * PAGE_SIZE + 1 : 0;
  const last = Math.min(count, (page + 1) * PAGE_SIZE);
  pager.replaceChildren(
    h("button", { type: "button", class: "btn btn-ghost btn-small", disabled: page === 0, onclick: () => onPage(page - 1) }, "‹ Previous"),
    h("span", { class: "pager-status" }, count ? `${first}–${last} of ${count} · page ${page + 1} of ${pages}` : "no rows"),
    h("button", { type: "button", class: "btn btn-ghost btn-small", disabled: page >= pages - 1, onclick: () => onPage(page + 1) }, "Next ›"),
  );
  pager.hidden = pages <= 1;
}
