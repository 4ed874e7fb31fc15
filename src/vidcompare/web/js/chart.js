/* The leaderboard's chart as inline SVG (no chart library): two bars per model, mean score
 * (0–10) and mean latency (scaled to the slowest). Colours come from style.css classes. */
import { s } from "./dom.js";
import { fmtMs, fmtScore } from "./format.js";

/** An <svg> for the leaderboard rows, in their order. */
export function chart(rows) {
  const width = 600;
  const labelWidth = 210;
  const barMax = width - labelWidth - 80;
  const top = 44;
  const rowHeight = 58;
  const height = top + rows.length * rowHeight + 6;
  const maxLatency = Math.max(1, ...rows.map((r) => r.mean_latency_ms || 0));
  const svg = s("svg", {
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-label": "Mean score and mean latency per model",
  });
  svg.append(s("title", {}, "Mean score (0–10) and mean latency per model"));
  // legend
  svg.append(s("rect", { x: labelWidth, y: 6, width: 12, height: 12, rx: 2, class: "score-bar" }));
  svg.append(s("text", { x: labelWidth + 18, y: 16, class: "legend" }, "Mean score (0–10)"));
  svg.append(s("rect", { x: labelWidth + 150, y: 6, width: 12, height: 12, rx: 2, class: "latency-bar" }));
  svg.append(s("text", { x: labelWidth + 168, y: 16, class: "legend" }, `Mean latency (max ${fmtMs(maxLatency)})`));
  for (const fraction of [0, 0.5, 1]) {
    const x = labelWidth + barMax * fraction;
    svg.append(s("line", { x1: x, x2: x, y1: top - 8, y2: height - 4, class: "grid" }));
    svg.append(s("text", { x, y: top - 12, "text-anchor": "middle", class: "axis" }, fmtScore(10 * fraction)));
  }
  rows.forEach((row, i) => {
    const y = top + i * rowHeight;
    const name = row.model_name.length > 26 ? `${row.model_name.slice(0, 25)}…` : row.model_name;
    const label = s("g", {});
    label.append(s("title", {}, row.model_name)); // the full name on hover
    label.append(s("text", { x: labelWidth - 10, y: y + 24, "text-anchor": "end", class: "label" }, name));
    svg.append(label);
    const score = row.mean_score || 0;
    const scoreWidth = Math.max(2, (barMax * score) / 10);
    svg.append(s("rect", { x: labelWidth, y: y + 4, width: scoreWidth, height: 18, rx: 3, class: "score-bar", "data-model": row.model_id }));
    svg.append(
      s("text", { x: labelWidth + scoreWidth + 6, y: y + 18, class: "value" }, row.mean_score != null ? row.mean_score.toFixed(2) : "no score"),
    );
    const latency = row.mean_latency_ms || 0;
    const latencyWidth = Math.max(2, (barMax * latency) / maxLatency);
    svg.append(s("rect", { x: labelWidth, y: y + 26, width: latencyWidth, height: 12, rx: 3, class: "latency-bar" }));
    svg.append(s("text", { x: labelWidth + latencyWidth + 6, y: y + 36, class: "value" }, fmtMs(row.mean_latency_ms)));
  });
  return svg;
}
