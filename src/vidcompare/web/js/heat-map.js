/* The model × prompt heat map: an HTML table (readable by a screen reader as it is), each cell
 * coloured by its mean score on the viridis scale and saying its value and n; a cell without
 * comparisons says so. Prompts are cut short, their whole text on hover and on focus. */
import { h } from "./dom.js";
import { SCORE_MAX, heatColour, heatRows, truncate } from "./library-model.js";

/** The heat map of `matrix` (rows: prompts or prompt tags; columns: models) and its legend. */
export function heatMap(matrix, nameOf, rowLabel) {
  const rows = heatRows(matrix);
  const table = h(
    "table",
    { class: "heat-table", id: "library-heat-table" },
    h("caption", { class: "visually-hidden" }, `Mean score per ${rowLabel.toLowerCase()} and model, with the number of comparisons`),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, rowLabel), ...matrix.models.map((id) => h("th", { scope: "col", class: "heat-model" }, nameOf(id))))),
    h(
      "tbody",
      {},
      rows.map((row) =>
        h(
          "tr",
          {},
          h("th", { scope: "row", class: "heat-prompt" }, h("span", { class: "prompt-text", tabindex: "0", title: row.prompt }, h("span", { class: "prompt-short" }, truncate(row.prompt)), h("span", { class: "prompt-full" }, row.prompt))),
          row.cells.map((cell) => heatCell(cell)),
        ),
      ),
    ),
  );
  return [h("div", { class: "heat-scroll", tabindex: "0", role: "region", "aria-label": "Heat map (scrolls sideways)" }, table), legend()];
}

function heatCell(cell) {
  if (cell.empty) {
    return h("td", { class: "heat-cell heat-empty", dataset: { model: cell.modelId } }, h("span", { "aria-label": "no comparisons" }, "–"));
  }
  const td = h(
    "td",
    { class: `heat-cell ink-${cell.ink}`, dataset: { model: cell.modelId, mean: cell.mean, n: cell.n } },
    h("span", { class: "heat-value" }, cell.mean.toFixed(2)),
    h("span", { class: "heat-n" }, `n = ${cell.n}`),
  );
  td.style.backgroundColor = cell.colour; // CSSOM, which the page's policy allows (no style="")
  return td;
}

function legend() {
  const stops = [0, 2, 4, 6, 8, 10];
  const bar = h("span", { class: "heat-legend-bar", "aria-hidden": "true" });
  bar.style.backgroundImage = `linear-gradient(to right, ${stops.map((v) => `${heatColour(v)} ${(100 * v) / SCORE_MAX}%`).join(", ")})`;
  return h(
    "div",
    { class: "heat-legend" },
    h("span", {}, "Mean score"),
    h("span", { class: "heat-legend-scale" }, bar, h("span", { class: "heat-legend-ticks" }, stops.map((v) => h("span", {}, v)))),
    h("span", { class: "heat-legend-empty" }, h("span", { class: "heat-swatch heat-empty", "aria-hidden": "true" }, "–"), " no comparisons"),
  );
}
