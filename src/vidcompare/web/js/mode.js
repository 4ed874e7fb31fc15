/* Batch Mode on or off: the switch, the hint under the title, and the controls only a batch
 * has (several files at once, Select all/None, + Add prompt). */
import { $ } from "./dom.js";
import { maxModels, state } from "./state.js";

export function renderMode() {
  $("batch-mode").checked = state.batch;
  $("file-input").multiple = state.batch;
  $("mode-hint").textContent = state.batch
    ? "Batch mode: every selected video × every prompt is one combination; each runs all selected models in parallel and the judge scores them."
    : `Single comparison: one video and one prompt, answered by up to ${maxModels()} models side by side and scored by the judge.`;
  $("video-actions").hidden = !state.batch || !state.videos.length;
  $("add-prompt").hidden = !state.batch;
}
