/* The results: one card per combination (video × prompt) with each model's answer, score,
 * latency, strengths and weaknesses, and the judge's summary; then the leaderboard. Drawn
 * again whole from each result the job's polling brings. */
import { $, h, s } from "./dom.js";
import { fmtMs, fmtScore, plural } from "./format.js";
import { renderLeaderboard } from "./leaderboard.js";
import { modelName, videoName } from "./state.js";

function scoreClass(score) {
  if (score === null || score === undefined) return "none";
  return score >= 7 ? "high" : score >= 4 ? "mid" : "low";
}

export function renderResult(result) {
  const comparisons = [...result.comparisons].sort((a, b) => a.index - b.index);
  $("results-panel").hidden = comparisons.length === 0;
  $("results-count").textContent = result.complete
    ? `${plural(result.total_combinations, "combination")}`
    : `${result.completed_combinations} of ${result.total_combinations} combinations so far`;
  $("results").replaceChildren(...comparisons.map(resultCard));
  renderLeaderboard(result);
}

function resultCard(comparison) {
  const evaluations = new Map(comparison.evaluation.map((e) => [e.model_id || e.model_name, e]));
  const scores = comparison.evaluation.map((e) => e.score).filter((x) => x !== null && x !== undefined);
  const best = scores.length ? Math.max(...scores) : null;
  const answers = comparison.results.map((r) => {
    const e = evaluations.get(r.model_id) || evaluations.get(r.model_name) || {};
    const isBest = best !== null && e.score === best && scores.length > 1;
    const list = (items, kind, title) =>
      h(
        "div",
        { class: kind },
        h("h4", {}, title),
        items && items.length
          ? h("ul", {}, items.map((item) => h("li", {}, item)))
          : h("span", { class: "none" }, "none noted"),
      );
    return h(
      "div",
      { class: "answer", dataset: { modelId: r.model_id } },
      h(
        "div",
        { class: "answer-top" },
        h("span", { class: "answer-name" }, r.model_name),
        isBest ? h("span", { class: "best" }, "Best") : null,
        h("span", { class: "latency", title: "Latency of this model call" }, clockIcon(), fmtMs(r.latency_ms)),
        h(
          "span",
          { class: `score ${scoreClass(e.score)}`, title: "The judge's score (1–10)" },
          fmtScore(e.score),
          h("small", {}, " / 10"),
        ),
      ),
      r.error ? h("div", { class: "model-error" }, `Error: ${r.error}`) : null,
      r.truncated
        ? h("div", { class: "model-truncated" }, "Cut off at the output token limit (MAX_TOKENS): the answer is partial.")
        : null,
      e.reasoning ? h("p", { class: "reasoning" }, e.reasoning) : null,
      h("div", { class: "points" }, list(e.strengths, "strengths", "Strengths"), list(e.weaknesses, "weaknesses", "Weaknesses")),
      r.response
        ? h(
            "details",
            {},
            h("summary", {}, `Answer (${plural(r.response.trim().split(/\s+/).length, "word")})`),
            h("pre", {}, r.response),
          )
        : null,
    );
  });
  return h(
    "article",
    { class: "card result-card", dataset: { index: comparison.index } },
    h(
      "div",
      { class: "result-head" },
      h(
        "div",
        { class: "video" },
        h("span", {}, `#${comparison.index + 1}`),
        h("strong", {}, videoName(comparison.video_id)),
        h("code", {}, comparison.video_id),
      ),
      h("div", { class: "prompt-text" }, comparison.prompt),
    ),
    h("div", { class: "answers" }, answers),
    h(
      "div",
      { class: "judge" },
      h("div", { class: "judge-title" }, `Judge · ${modelName(comparison.judge_model)}`),
      comparison.overall_summary ? h("p", { class: "judge-summary" }, comparison.overall_summary) : null,
      comparison.judge_error ? h("p", { class: "judge-error" }, `Judge error: ${comparison.judge_error}`) : null,
      (comparison.judge_warnings || []).map((w) => h("p", { class: "judge-warning" }, `Note: ${w}`)),
    ),
  );
}

function clockIcon() {
  const icon = s("svg", { viewBox: "0 0 16 16", width: 13, height: 13, "aria-hidden": "true", class: "icon" });
  icon.append(s("circle", { cx: 8, cy: 8, r: 6.5, fill: "none", stroke: "currentColor", "stroke-width": 1.6 }));
  icon.append(s("path", { d: "M8 4.5V8l2.5 1.5", fill: "none", stroke: "currentColor", "stroke-width": 1.6, "stroke-linecap": "round" }));
  return icon;
}
