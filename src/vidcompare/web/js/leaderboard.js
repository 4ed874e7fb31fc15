/* The leaderboard: the API's ranking of the models over the combinations judged so far, as a
 * table and as a chart. */
import { chart } from "./chart.js";
import { $, h } from "./dom.js";
import { fmtCost, fmtMs, fmtScore, plural } from "./format.js";
import { modelName } from "./state.js";

export function renderLeaderboard(result) {
  const rows = result.leaderboard || [];
  $("leaderboard-panel").hidden = rows.length === 0;
  if (!rows.length) return;
  $("leaderboard-note").textContent = result.complete
    ? `over ${plural(result.total_combinations, "combination")}, judged by ${modelName(result.judge.judge_model)}`
    : `so far: ${result.completed_combinations} of ${result.total_combinations} combinations`;
  const body = $("leaderboard").querySelector("tbody");
  body.replaceChildren(
    ...rows.map((row) =>
      h(
        "tr",
        { dataset: { modelId: row.model_id } },
        h("td", {}, h("span", { class: `rank rank-${row.rank}` }, row.rank)),
        h("td", { class: "lb-name" }, row.model_name),
        h("td", { class: "num" }, row.mean_score != null ? row.mean_score.toFixed(2) : "—"),
        h("td", { class: "num" }, fmtScore(row.wins)),
        h("td", { class: "num" }, fmtMs(row.mean_latency_ms)),
        h("td", { class: "num" }, row.errors),
        h("td", { class: "num" }, fmtCost(row.estimated_cost_usd)),
      ),
    ),
  );
  $("chart").replaceChildren(chart(rows));
}
