/* The leaderboard: the API's ranking of the models over the combinations judged so far, as a
 * table and as a chart. On a phone each row is a card whose values say what they are
 * (data-label, style.css). */
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
        { role: "row", dataset: { modelId: row.model_id } },
        h("td", { role: "cell" }, h("span", { class: `rank rank-${row.rank}` }, row.rank)),
        h("td", { role: "cell", class: "lb-name" }, row.model_name),
        h("td", { role: "cell", class: "num", "data-label": "Score" }, row.mean_score != null ? row.mean_score.toFixed(2) : "—"),
        h("td", { role: "cell", class: "num", "data-label": "Wins" }, fmtScore(row.wins)),
        h("td", { role: "cell", class: "num", "data-label": "Latency" }, fmtMs(row.mean_latency_ms)),
        h("td", { role: "cell", class: "num", "data-label": "Errors" }, row.errors),
        h("td", { role: "cell", class: "num", "data-label": "Cost" }, fmtCost(row.estimated_cost_usd)),
      ),
    ),
  );
  $("chart").replaceChildren(chart(rows));
}
