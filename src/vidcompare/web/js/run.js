/* The run bar: the Run button's label ("Run 2 × 2 = 4 Comparisons"), what is still missing,
 * and starting the batch. Every edit of the form ends in updateRun, which also saves the form
 * and asks for a fresh estimate. */
import { api } from "./api.js";
import { clearError, showError } from "./banner.js";
import { $ } from "./dom.js";
import { clearEstimate, scheduleEstimate } from "./estimate.js";
import { plural } from "./format.js";
import { openJob } from "./job.js";
import { refreshJobs } from "./jobs.js";
import { batchBody, catalogModels, chosenPrompts, chosenVideos, saveForm, state } from "./state.js";

/** What is still needed before Run, as the summary says it; "" when nothing is. */
function missingStep(videos, prompts, models) {
  if (!state.catalog) {
    return state.catalogError ? "The list of models could not be loaded (see Models)." : "Loading the models…";
  }
  if (!videos) return state.batch ? "Select at least one video." : "Select a video.";
  if (!prompts) return "Write a prompt (or pick a preset).";
  if (!models) return "Choose at least one model.";
  return "";
}

export function updateRun() {
  saveForm();
  const videos = chosenVideos().length;
  const prompts = chosenPrompts().length;
  const models = state.models.size;
  const total = videos * prompts;
  const button = $("run-button");
  button.textContent = state.batch
    ? `Run ${videos} × ${prompts} = ${total} ${total === 1 ? "Comparison" : "Comparisons"}`
    : "Run Comparison";
  const missing = missingStep(videos, prompts, models);
  button.disabled = Boolean(missing);
  const names = catalogModels()
    .filter((m) => state.models.has(m.model_id))
    .map((m) => m.display_name);
  $("run-summary").textContent =
    missing ||
    `${plural(videos, "video")} × ${plural(prompts, "prompt")}, each through ${names.join(", ")}` +
      ` — ${plural(total * models, "model call")}.`;
  $("video-count").textContent = state.videos.length
    ? `${plural(state.videos.length, "video")} · ${videos} selected`
    : "No videos yet — upload one above.";
  if (missing) clearEstimate();
  else scheduleEstimate();
}

export async function startBatch() {
  const button = $("run-button");
  const label = button.textContent;
  button.disabled = true;
  button.textContent = "Starting…";
  clearError();
  try {
    const accepted = await api("POST", "/api/batch-compare-async", batchBody(false));
    openJob(accepted.job_id);
    refreshJobs();
  } catch (error) {
    showError(error.message);
  } finally {
    button.textContent = label;
    updateRun();
  }
}
