/* "Run again": a job's request (GET /api/jobs/ID/request) back in the form, to edit and run;
 * its name gets " (again)"; its tags and prompt tags come back as they were. */
import { api } from "./api.js";
import { showError } from "./banner.js";
import { $ } from "./dom.js";
import { renderJudges } from "./judges.js";
import { renderMode } from "./mode.js";
import { renderModels } from "./models.js";
import { renderPairs } from "./pairs.js";
import { renderPrompts } from "./prompts.js";
import { updateRun } from "./run.js";
import { loadRequest, pairsToGrid, state } from "./state.js";
import { renderTags } from "./tags.js";
import { refreshVideos, renderVideos } from "./videos.js";

/** Every part of the form drawn again from the state. */
export function renderForm() {
  renderMode();
  renderVideos();
  renderPrompts();
  renderPairs();
  renderModels();
  renderJudges();
  $("concurrency").value = state.concurrency === "auto" ? "1" : state.concurrency;
  $("concurrency-auto").checked = state.concurrency === "auto";
  $("concurrency").disabled = state.concurrency === "auto";
  $("concurrency-auto-hint").hidden = state.concurrency !== "auto";
  $("job-name").value = state.name;
  renderTags();
  updateRun();
}

export async function runAgain(id, button) {
  if (button) button.disabled = true;
  try {
    // The videos' list too, fresh: the pairs show their videos' names.
    const [request] = await Promise.all([api("GET", `/api/jobs/${encodeURIComponent(id)}/request`), refreshVideos()]);
    loadRequest(request);
    renderForm();
    // Videos deleted since the job ran cannot run again: say which were left out.
    const listed = new Set(state.videos.map((v) => v.video_id));
    const asked = request.pairs ? request.pairs.map((p) => p.video_id) : request.video_ids;
    const gone = [...new Set(asked)].filter((v) => !listed.has(v));
    const note = $("again-note");
    note.textContent =
      `Loaded from job ${id.slice(0, 12)}: edit what you like, then Run.` +
      (gone.length ? ` Left out, deleted since: ${gone.join(", ")}.` : "");
    note.hidden = false;
    $("setup").scrollIntoView({ block: "start" });
    $("job-name").focus({ preventScroll: true });
  } catch (error) {
    showError(error.message, { focus: true });
  } finally {
    if (button) button.disabled = false;
  }
}

export function bindPairs() {
  $("pairs-to-grid").addEventListener("click", () => {
    pairsToGrid();
    renderForm();
    $("prompt-list").querySelector("textarea").focus();
  });
}
