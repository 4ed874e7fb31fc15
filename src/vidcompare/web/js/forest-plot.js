/* The forest plot: one row per model, a point at its Bradley–Terry rating (or mean score) and a
 * bar over its 95 % confidence interval, on one shared axis. Drawn as SVG at the width it is
 * given (so its text stays readable on a phone); colours come from library.css. The ranking
 * table next to it is its text alternative. */
import { s } from "./dom.js";
import { fmt, forestSummary, niceAxis, project } from "./library-model.js";

const ROW = 30;
const TOP = 12;
const AXIS = 46; // room under the rows for the ticks and the axis label

/** An <svg> `width` pixels wide for these forest rows (forestRows) on `metric`. */
export function forestPlot(rows, metric, width) {
  const labelWidth = Math.round(Math.min(190, width * 0.34));
  const [x0, x1] = [labelWidth + 12, width - 16];
  const bottom = TOP + rows.length * ROW;
  const height = bottom + AXIS;
  const axis = niceAxis(rows, metric);
  const x = (value) => project(value, axis, x0, x1);
  const svg = s("svg", {
    class: "forest",
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-label": forestSummary(rows, metric),
    "data-metric": metric,
  });
  for (const tick of axis.ticks) {
    const tx = x(tick);
    svg.append(s("line", { x1: tx, x2: tx, y1: TOP - 4, y2: bottom, class: "forest-grid" }));
    svg.append(s("text", { x: tx, y: bottom + 16, "text-anchor": "middle", class: "forest-tick", "data-value": tick }, String(tick)));
  }
  if (metric === "rating" && axis.min < 1000 && axis.max > 1000) {
    // 1000 is the average model (strength 1, the geometric mean).
    svg.append(s("line", { x1: x(1000), x2: x(1000), y1: TOP - 4, y2: bottom, class: "forest-reference" }));
  }
  svg.append(s("line", { x1: x0, x2: x1, y1: bottom, y2: bottom, class: "forest-axis" }));
  const wide = width >= 520; // a phone gets the short label, centred on the whole width
  const label = metric === "score" ? "Mean score (0–10), 95 % CI" : wide ? "Bradley–Terry rating (1000 = average), 95 % CI" : "BT rating, 95 % CI";
  svg.append(s("text", { x: wide ? (x0 + x1) / 2 : width / 2, y: bottom + 38, "text-anchor": "middle", class: "forest-label" }, label));
  rows.forEach((row, i) => svg.append(forestRow(row, TOP + i * ROW + ROW / 2, labelWidth, x, metric)));
  return svg;
}

function forestRow(row, y, labelWidth, x, metric) {
  const g = s("g", { class: row.connected ? "forest-row" : "forest-row not-connected", "data-model": row.modelId });
  g.append(s("title", {}, `${row.name}: ${fmt(row.value, metric)} (95 % CI ${fmt(row.low, metric)}–${fmt(row.high, metric)})${row.connected ? "" : " — not comparable: never compared with the main group"}`));
  const maxChars = Math.max(8, Math.floor(labelWidth / 7.2));
  const name = row.name.length > maxChars ? `${row.name.slice(0, maxChars - 1)}…` : row.name;
  g.append(s("text", { x: labelWidth, y: y + 4, "text-anchor": "end", class: "forest-name" }, row.connected ? name : `${name} *`));
  if (Number.isFinite(row.low) && Number.isFinite(row.high)) {
    const attrs = { y1: y, y2: y, class: "forest-ci", "data-low": row.low, "data-high": row.high };
    g.append(s("line", { x1: x(row.low), x2: x(row.high), ...attrs }));
    for (const end of [row.low, row.high]) g.append(s("line", { x1: x(end), x2: x(end), y1: y - 5, y2: y + 5, class: "forest-cap" }));
  }
  if (Number.isFinite(row.value)) {
    g.append(s("circle", { cx: x(row.value), cy: y, r: 5, class: "forest-point", "data-value": row.value }));
  }
  return g;
}
