/* The run bar: the Run button's label ("Run 2 × 2 = 4 Comparisons"), why it is off while the
 * form cannot run (said next to it, and the field marked), and starting the batch. Every
 * edit of the form ends in updateRun, which also saves the form and asks for a fresh
 * estimate. Run is off with aria-disabled, not disabled: it keeps the focus (a disabled
 * button drops it to the top of the page) and its reason is read with it. */
import { api } from "./api.js";
import { clearError, showError } from "./banner.js";
import { $ } from "./dom.js";
import { clearEstimate, currentRefusal, onRefusalChange, scheduleEstimate, setRefusal } from "./estimate.js";
import { formMap, markInvalid } from "./fields.js";
import { plural } from "./format.js";
import { openJob } from "./job.js";
import { refreshJobs } from "./jobs.js";
import {
  batchBody,
  catalogModels,
  chosenPrompts,
  chosenVideos,
  combinationCount,
  saveForm,
  sentPairIndexes,
  state,
} from "./state.js";
import { sayTagProblem } from "./tags.js";

const MAX_NAME = 120; // the API's limit for a job's name

let starting = false;

const promptArea = (index) => () => $("prompt-list").querySelectorAll("textarea")[index] || null;

/** What the form still lacks before it can run: {message, fields} (fields as fields.js
 * has them, with an element to mark), or null when the server may judge it. */
function formProblem() {
  const none = [];
  if (!state.catalog) {
    const message = state.catalogError ? "The list of models could not be loaded (see Models)." : "Loading the models…";
    return { message, fields: none };
  }
  if (state.pairs) {
    if (!sentPairIndexes().length) return { message: "Every pair's prompt is empty.", fields: none };
    const split = splitPairTag();
    if (split) return split;
  } else {
    if (!chosenVideos().length) return { message: state.batch ? "Select at least one video." : "Select a video.", fields: none };
    if (!chosenPrompts().length) return { message: "Write a prompt (or pick a preset).", fields: [{ element: promptArea(0) }] };
    const repeated = repeatedPrompt();
    if (repeated) return repeated;
  }
  if (!state.models.size) return { message: "Choose at least one model.", fields: none };
  const lanes = $("concurrency");
  const value = state.concurrency.trim();
  const [low, high] = [Number(lanes.min), Number(lanes.max)];
  if (value !== "auto" && (!/^\d+$/.test(value) || Number(value) < low || Number(value) > high)) {
    return { message: `Parallel lanes: a whole number from ${low} to ${high}.`, fields: [{ element: () => lanes }] };
  }
  if (state.name.trim().length > MAX_NAME) {
    return { message: `Job name: at most ${MAX_NAME} characters.`, fields: [{ element: () => $("job-name") }] };
  }
  return null;
}

/** "Prompt 3 is the same as prompt 1." (batch mode sends every prompt). */
function repeatedPrompt() {
  if (!state.batch) return null;
  const seen = new Map();
  for (const [index, text] of state.prompts.entries()) {
    const key = text.trim();
    if (!key) continue;
    if (seen.has(key)) {
      return { message: `Prompt ${index + 1} is the same as prompt ${seen.get(key) + 1}.`, fields: [{ element: promptArea(index) }] };
    }
    seen.set(key, index);
  }
  return null;
}

/** "Pair 3's tag “B” is not pair 1's “A”: one prompt has one tag." (the server keeps one
 * tag per prompt text). */
function splitPairTag() {
  const first = new Map(); // prompt -> index of its first tagged pair
  for (const index of sentPairIndexes()) {
    const { prompt, tag } = state.pairs[index];
    const [text, label] = [prompt.trim(), (tag || "").trim()];
    if (!label) continue;
    const at = first.get(text);
    if (at === undefined) first.set(text, index);
    else if (state.pairs[at].tag.trim() !== label) {
      const message = `Pair ${index + 1}'s tag “${label}” is not pair ${at + 1}'s “${state.pairs[at].tag.trim()}”: one prompt has one tag.`;
      return { message, fields: [{ element: () => $("pair-list").querySelectorAll("input.prompt-tag")[index] || null }] };
    }
  }
  return null;
}

function runLabel() {
  if (starting) return "Starting…";
  const total = combinationCount();
  if (state.pairs) return `Run ${plural(total, "pair")}`;
  if (!state.batch) return "Run Comparison";
  return `Run ${chosenVideos().length} × ${chosenPrompts().length} = ${total} ${total === 1 ? "Comparison" : "Comparisons"}`;
}

/** The button, its reason and the summary, from the form as it is now. */
export function renderRun() {
  const local = formProblem();
  const problem = local || currentRefusal();
  const button = $("run-button");
  button.textContent = runLabel();
  button.setAttribute("aria-disabled", String(Boolean(problem) || starting));
  $("run-reason").textContent = problem ? problem.message : "";
  $("run-reason").hidden = !problem;
  markInvalid(problem ? problem.fields : []);
  sayTagProblem(problem);
  const names = catalogModels()
    .filter((m) => state.models.has(m.model_id))
    .map((m) => m.display_name);
  const total = combinationCount();
  const what = state.pairs
    ? plural(total, "exact pair")
    : `${plural(chosenVideos().length, "video")} × ${plural(chosenPrompts().length, "prompt")}`;
  $("run-summary").textContent = local ? "" : `${what}, each through ${names.join(", ")} — ${plural(total * state.models.size, "model call")}.`;
  $("video-count").textContent = state.videos.length
    ? `${plural(state.videos.length, "video")} · ${chosenVideos().length} selected`
    : "No videos yet — upload one above.";
  return local;
}

export function updateRun() {
  saveForm();
  if (renderRun()) clearEstimate();
  else scheduleEstimate();
}

onRefusalChange(renderRun);

/** Run while off: take the user to what needs fixing. */
function showProblem() {
  const problem = formProblem() || currentRefusal();
  const field = problem && problem.fields.map((f) => f.element()).find(Boolean);
  if (field) {
    field.scrollIntoView({ block: "center" });
    field.focus({ preventScroll: true });
  }
}

export async function startBatch() {
  if ($("run-button").getAttribute("aria-disabled") === "true") {
    if (!starting) showProblem();
    return;
  }
  starting = true;
  renderRun();
  clearError();
  const map = formMap();
  const body = batchBody(false);
  try {
    const accepted = await api("POST", "/api/batch-compare-async", body);
    $("again-note").hidden = true;
    openJob(accepted.job_id);
    refreshJobs();
  } catch (error) {
    if (error.status === 400) {
      // Said as the form says it; the field stays marked while the form is the one refused.
      showError(setRefusal(error, map, JSON.stringify(body)).message, { focus: true });
    } else {
      showError(error.message, { focus: true });
    }
  } finally {
    starting = false;
    updateRun();
  }
}
