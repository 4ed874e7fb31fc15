/* The detail of one combination, in a modal <dialog>: the video, the judge's summary, and
 * each model's answer side by side (score, reasoning, strengths, weaknesses, latency,
 * tokens) with every timestamp a button that seeks the video; and a word diff of two
 * answers. Esc closes (the dialog's own cancel); focus goes back to where it came from.
 * Whoever opened it is told how it closed: by the user, or quietly (the history moved). */
import { $, h } from "./dom.js";
import { wordDiff } from "./diff.js";
import { fmtMs, fmtScore, plural } from "./format.js";
import { createPlayer } from "./player.js";
import { scoreLabel } from "./results-model.js";
import { modelName } from "./state.js";
import { splitTimestamps } from "./timestamps.js";

let player = null;
let closed = () => {};
let closingQuietly = false; // the next "close" event is closeDetail({ quiet: true })'s

/** Open the dialog on `row`; previous/next: the rows its buttons open (null: none).
 * on: {close({ quiet }), open(row)}; focusModel: the model whose answer gets the focus. */
export function openDetail(row, models, { focusModel = null, previous = null, next = null, on }) {
  const dialog = $("answer-view");
  closed = on.close;
  const playing = dialog.querySelector("video");
  if (playing) playing.pause(); // stepping to another combination
  player = createPlayer(row.videoId, row.video);
  const answers = models.filter((m) => row.cells.has(m.id));
  dialog.replaceChildren(
    head(row, previous, next, on),
    h(
      "div",
      { class: "detail-top" },
      player.element,
      judgePanel(row.comparison),
    ),
    h("div", { class: "answer-columns", style: `--columns: ${Math.max(1, answers.length)}` }, answers.map((m) => answerColumn(row, m))),
    diffPanel(row, answers),
  );
  if (!dialog.open) dialog.showModal();
  const target = focusModel && dialog.querySelector(`.answer-col[data-model-id="${CSS.escape(focusModel)}"] h3`);
  (target || dialog.querySelector("#answer-title")).focus();
}

export function isDetailOpen() {
  return $("answer-view").open;
}

/** Close it; quiet: not the user's doing (Back, another job), so the opener touches no history. */
export function closeDetail({ quiet = false } = {}) {
  const dialog = $("answer-view");
  if (!dialog.open) return;
  closingQuietly = quiet;
  dialog.close(); // "close" → bindDetail's listener
}

/** Wire the dialog once: its close (Esc, the button, closeDetail) stops the video. */
export function bindDetail() {
  const dialog = $("answer-view");
  dialog.addEventListener("close", () => {
    const video = dialog.querySelector("video");
    if (video) video.pause();
    dialog.replaceChildren();
    player = null;
    const quiet = closingQuietly;
    closingQuietly = false;
    closed({ quiet });
  });
}

function head(row, previous, next, on) {
  return h(
    "header",
    { class: "detail-head" },
    h(
      "div",
      { class: "detail-title" },
      h("h2", { id: "answer-title", tabindex: "-1" }, `#${row.number} · ${row.video}`),
      h("p", { class: "detail-prompt" }, row.prompt),
    ),
    h(
      "div",
      { class: "detail-nav" },
      h("button", { type: "button", class: "btn btn-ghost btn-small", disabled: !previous, onclick: () => on.open(previous), "aria-label": "Previous combination" }, "‹ Prev"),
      h("button", { type: "button", class: "btn btn-ghost btn-small", disabled: !next, onclick: () => on.open(next), "aria-label": "Next combination" }, "Next ›"),
      h("button", { type: "button", class: "btn btn-secondary btn-small detail-close", onclick: () => closeDetail(), "aria-label": "Close (Esc)" }, "Close"),
    ),
  );
}

function judgePanel(comparison) {
  return h(
    "section",
    { class: "detail-judge", "aria-label": "The judge" },
    h("h3", {}, `Judge · ${modelName(comparison.judge_model)}`),
    comparison.overall_summary ? h("p", { class: "judge-summary" }, withTimestamps(comparison.overall_summary)) : h("p", { class: "muted" }, "No summary."),
    comparison.position_consistent === false
      ? h("p", { class: "judge-warning" }, "The judge picked a different best answer when the answers were shown in the other order.")
      : null,
    comparison.judge_error ? h("p", { class: "judge-error" }, `Judge error: ${comparison.judge_error}`) : null,
    (comparison.judge_warnings || []).map((w) => h("p", { class: "judge-warning" }, `Note: ${w}`)),
    comparison.judge_latency_ms ? h("p", { class: "muted small" }, `Judged in ${fmtMs(comparison.judge_latency_ms)}`) : null,
  );
}

function answerColumn(row, model) {
  const cell = row.cells.get(model.id);
  const r = cell.result;
  const e = cell.evaluation || {};
  const usage = r.usage || {};
  const label = scoreLabel(cell.score);
  const list = (items, kind, title) =>
    h(
      "div",
      { class: kind },
      h("h4", {}, title),
      items && items.length ? h("ul", {}, items.map((item) => h("li", {}, withTimestamps(item)))) : h("span", { class: "none" }, "none noted"),
    );
  return h(
    "article",
    { class: "answer-col", dataset: { modelId: model.id } },
    h(
      "div",
      { class: "answer-col-head" },
      h("h3", { tabindex: "-1" }, model.name),
      cell.error
        ? h("span", { class: "score cell-error" }, "error")
        : h("span", { class: `score cell-${label}`, title: "The judge's score (1–10)" }, fmtScore(cell.score), h("small", {}, ` / 10 · ${label}`)),
    ),
    h(
      "p",
      { class: "answer-facts muted" },
      h("span", { class: "answer-latency" }, fmtMs(r.latency_ms)),
      " · ",
      h("span", { class: "answer-tokens", title: `${usage.input_tokens || 0} in, ${usage.output_tokens || 0} out` }, plural(usage.total_tokens || 0, "token")),
      e.score_spread ? ` · the two judgings differ by ${fmtScore(e.score_spread)}` : "",
    ),
    r.error ? h("p", { class: "model-error" }, `Error: ${r.error}`) : null,
    r.truncated ? h("p", { class: "model-truncated" }, "Cut off at the output token limit: the answer is partial.") : null,
    e.reasoning ? h("p", { class: "reasoning" }, withTimestamps(e.reasoning)) : null,
    h("div", { class: "points" }, list(e.strengths, "strengths", "Strengths"), list(e.weaknesses, "weaknesses", "Weaknesses")),
    r.response ? h("div", { class: "answer-text" }, withTimestamps(r.response)) : null,
  );
}

/** Text with each timestamp a button that seeks the player there. */
function withTimestamps(text) {
  return splitTimestamps(text).map((piece) =>
    typeof piece === "string"
      ? piece
      : h(
          "button",
          {
            type: "button",
            class: "ts",
            dataset: { seconds: piece.seconds },
            title: `Play the video from ${piece.text}`,
            onclick: () => player && player.seek(piece.seconds),
          },
          piece.text,
        ),
  );
}

function diffPanel(row, answers) {
  if (answers.length < 2) return null;
  const pick = (id, chosen) =>
    h(
      "select",
      { id, class: "diff-pick" },
      answers.map((m) => {
        const option = h("option", { value: m.id }, m.name);
        option.selected = m.id === chosen;
        return option;
      }),
    );
  // Two models that answered, when there are two.
  const answered = answers.filter((m) => row.cells.get(m.id).result.response);
  const [one, two] = answered.length >= 2 ? answered : answers;
  const before = pick("diff-a", one.id);
  const after = pick("diff-b", two.id);
  const output = h("div", { class: "diff-output", id: "diff-output", "aria-live": "polite" });
  const draw = () => {
    const text = (id) => row.cells.get(id).result.response || "";
    const silent = [before, after].filter((select) => !text(select.value));
    if (silent.length) {
      const names = silent.map((select) => select.selectedOptions[0].textContent);
      output.replaceChildren(h("p", { class: "muted" }, `No answer to compare from ${[...new Set(names)].join(" and ")}.`));
      return;
    }
    output.replaceChildren(
      ...wordDiff(text(before.value), text(after.value)).map((run) =>
        run.op === "same" ? run.text : h(run.op, { title: run.op === "ins" ? "only in the second" : "only in the first" }, run.text),
      ),
    );
  };
  before.addEventListener("change", draw);
  after.addEventListener("change", draw);
  draw();
  return h(
    "section",
    { class: "diff", "aria-label": "Differences between two answers" },
    h(
      "div",
      { class: "diff-head" },
      h("h3", {}, "Diff"),
      h("label", {}, "From ", before),
      h("label", {}, " to ", after),
      h("span", { class: "muted small" }, h("del", {}, "only in the first"), " ", h("ins", {}, "only in the second")),
    ),
    output,
  );
}
