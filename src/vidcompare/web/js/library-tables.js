/* The cross-job leaderboard's tables: the ranking (also the forest plot's text alternative),
 * prompt A/B (per prompt the models' means with CIs, each model's best prompt marked) and the
 * judges' position consistency. On a phone each row is a card (stack-table, style.css). */
import { h } from "./dom.js";
import { fmtMs, plural } from "./format.js";
import { fmt, promptRows } from "./library-model.js";

const NOT_CONNECTED =
  "Not comparable: no combination scored this model together with the main group of models, so its rating is on a scale of its own.";

function cell(label, content, extra = {}) {
  return h("td", { role: "cell", class: "num", "data-label": label, ...extra }, content);
}

/** "7.41" over "7.30–7.52": a value and its 95 % interval. */
function withCi(value, ci, metric) {
  return [h("span", { class: "ci-value" }, fmt(value, metric)), ci ? h("span", { class: "ci-range" }, `${fmt(ci[0], metric)}–${fmt(ci[1], metric)}`) : null];
}

function cost(usd) {
  if (usd === null || usd === undefined) return h("span", { class: "muted", title: "No price is known for this model" }, "unpriced");
  if (usd === 0) return "$0";
  return usd < 1 ? `$${usd.toPrecision(2)}` : `$${usd.toFixed(2)}`; // two figures, even for cents
}

/** The ranking table of the answer's models. */
export function rankingTable(models) {
  const head = [
    ["#", "Rank by Bradley–Terry rating"],
    ["Model", ""],
    ["BT rating", "Bradley–Terry rating from the pairwise outcomes within each combination (1000 = the average model), its 95 % bootstrap CI under it"],
    ["Mean score", "Mean judge score (0–10), its 95 % bootstrap CI under it"],
    ["Win rate", "Pairwise wins, ties counted as half, over its pairwise comparisons"],
    ["Combinations", "Combinations where it was scored"],
    ["Latency", "Mean latency of a model call"],
    ["Cost / 100", "Cost of 100 answers"],
    ["Errors", "Model calls that failed"],
  ];
  const body = models.map((m) =>
    h(
      "tr",
      { role: "row", class: m.connected === false ? "not-connected" : null, dataset: { modelId: m.model_id } },
      h("td", { role: "cell" }, h("span", { class: `rank rank-${m.rank}` }, m.rank)),
      h(
        "td",
        { role: "cell", class: "lb-name" },
        m.model_name || m.model_id,
        m.connected === false ? h("span", { class: "badge not-connected-badge", title: NOT_CONNECTED }, "not comparable") : null,
      ),
      cell("Rating", withCi(m.rating, m.rating_ci, "rating"), { class: "num ci-cell rating-cell" }),
      cell("Score", withCi(m.mean_score, m.mean_ci, "score"), { class: "num ci-cell score-cell" }),
      cell("Win rate", m.win_rate === null || m.win_rate === undefined ? "—" : `${Math.round(m.win_rate * 100)} %`, { title: `over ${plural(m.pairwise || 0, "pairwise comparison")}` }),
      cell("Combinations", m.combinations),
      cell("Latency", fmtMs(m.mean_latency_ms)),
      cell("Cost / 100", cost(m.cost_per_100_usd)),
      cell("Errors", m.errors),
    ),
  );
  const table = h(
    "table",
    { class: "table stack-table library-ranking", id: "library-ranking", role: "table" },
    h("caption", { class: "visually-hidden" }, "Models ranked by Bradley–Terry rating, with 95 % confidence intervals"),
    h("thead", { role: "rowgroup" }, h("tr", { role: "row" }, head.map(([t, title], i) => h("th", { role: "columnheader", class: i > 1 ? "num" : null, title: title || null }, t)))),
    h("tbody", { role: "rowgroup" }, body),
  );
  const lonely = models.filter((m) => m.connected === false);
  const note = lonely.length
    ? h("p", { class: "library-note", id: "library-not-connected" }, `* ${lonely.map((m) => m.model_name || m.model_id).join(", ")}: ${NOT_CONNECTED}`)
    : null;
  return [h("div", { class: "table-wrap" }, table), note];
}

/** Prompt A/B: rows = prompts (or prompt tags), a column per model, each model's best prompt
 * starred (★ clear: its CI above every other prompt's; ☆ best, but the CIs overlap). */
export function promptTable(answer, nameOf, rowLabel) {
  const modelIds = answer.models.map((m) => m.model_id);
  const rows = promptRows(answer.by_prompt, answer.prompt_winners, modelIds);
  const table = h(
    "table",
    // A stack table: on a phone each prompt becomes a card of labelled cells.
    { class: "table stack-table prompt-ab", id: "library-prompts", role: "table" },
    h("caption", { class: "visually-hidden" }, `Mean score per ${rowLabel.toLowerCase()} and model with 95 % CIs; each model's best marked`),
    h("thead", { role: "rowgroup" }, h("tr", { role: "row" }, h("th", { scope: "col", role: "columnheader" }, rowLabel), h("th", { scope: "col", role: "columnheader", class: "num" }, "n"), modelIds.map((id) => h("th", { scope: "col", role: "columnheader", class: "num" }, nameOf(id))))),
    h(
      "tbody",
      { role: "rowgroup" },
      rows.map((row) =>
        h(
          "tr",
          { role: "row", dataset: { prompt: row.prompt } },
          h("th", { scope: "row", role: "rowheader", class: "prompt-ab-prompt" }, row.tag && row.tag !== row.prompt ? h("span", { class: "badge prompt-tag" }, row.tag) : null, " ", row.prompt),
          h("td", { role: "cell", class: "num", "data-label": "n" }, row.combinations),
          row.cells.map((c, i) => (c ? promptCell(c, nameOf(modelIds[i])) : h("td", { role: "cell", class: "num muted", "data-label": nameOf(modelIds[i]) }, "–"))),
        ),
      ),
    ),
  );
  return [h("div", { class: "table-wrap" }, table), winnerList(answer.prompt_winners || [], nameOf, rowLabel)];
}

function promptCell(c, label) {
  const mark = c.best ? h("span", { class: c.clear ? "winner clear" : "winner", title: c.clear ? "Best prompt for this model: its CI is above every other prompt's" : "Best mean for this model, but its CI overlaps another prompt's" }, c.clear ? "★" : "☆") : null;
  return h("td", { role: "cell", class: c.best ? "num prompt-best" : "num", "data-label": label, dataset: { model: c.modelId } }, mark, " ", withCi(c.mean, c.ci, "score"), h("span", { class: "ci-range" }, `n = ${c.n}`));
}

function winnerList(winners, nameOf, rowLabel) {
  if (!winners.length) return null;
  return h(
    "ul",
    { class: "prompt-winners", id: "library-winners" },
    winners.map((w) =>
      h(
        "li",
        { dataset: { model: w.model_id, clear: String(Boolean(w.clear)) } },
        h("strong", {}, nameOf(w.model_id)),
        `: best ${rowLabel.toLowerCase()} “${w.prompt}” (${fmt(w.mean_score, "score")}) — `,
        w.clear ? h("span", { class: "clear-win" }, "a clear winner") : h("span", { class: "muted" }, "not clear: its CI overlaps another's"),
      ),
    ),
  );
}

/** The judges: how often each gave the same verdict with the answers swapped. */
export function judgesTable(judges, nameOf) {
  return h(
    "table",
    { class: "table stack-table", id: "library-judges", role: "table" },
    h("thead", { role: "rowgroup" }, h("tr", { role: "row" }, ["Judge", "Combinations", "Swapped", "Position consistency"].map((t, i) => h("th", { role: "columnheader", class: i ? "num" : null }, t)))),
    h(
      "tbody",
      { role: "rowgroup" },
      judges.map((j) =>
        h(
          "tr",
          { role: "row", dataset: { judge: j.judge_model } },
          h("td", { role: "cell", class: "lb-name" }, nameOf(j.judge_model)),
          cell("Combinations", j.combinations),
          cell("Swapped", j.swapped),
          cell("Consistency", j.position_consistency === null || j.position_consistency === undefined ? h("span", { class: "muted" }, "no swaps run") : `${Math.round(j.position_consistency * 100)} %`),
        ),
      ),
    ),
  );
}
