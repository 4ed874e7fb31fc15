/* vidcompare web page: plain JavaScript modules, no build step, no third-party code.
 *
 * Talks to the HTTP API of the same origin (or the one named in <meta name="vidcompare-api">):
 * uploads videos, estimates and starts batches, polls the job every 2 s, shows the result
 * cards, the leaderboard and its chart, and the jobs list (a job run again through the form,
 * a cancel confirmed first). The current job's id is kept in the address (?job=ID, with any
 * other parameter), so a reload or another tab finds it again.
 *
 * This module only wires the others together and starts the page. A module script runs
 * once the document is parsed, so the elements are there.
 */
import { bindPairs, renderForm, runAgain } from "./again.js";
import { API, onUnauthorized } from "./api.js";
import { clearError } from "./banner.js";
import { confirmCancel } from "./confirm.js";
import { $ } from "./dom.js";
import { attachJob, cancelJob, jobFromUrl, openJob, pollIfRunning, reloadJob, scrollToNextJob } from "./job.js";
import { bindJobs, refreshJobs } from "./jobs.js";
import { askForKey, bindKeyDialog, renderKeyButton } from "./key.js";
import { bindLibrary, reloadLibrary } from "./library.js";
import { bindModels, loadModels } from "./models.js";
import { renderPairs } from "./pairs.js";
import { bindPrompts } from "./prompts.js";
import { startBatch, updateRun } from "./run.js";
import { loadForm, pairsToGrid, setBatch, setName, state } from "./state.js";
import { bindTags } from "./tags.js";
import { bindUploads } from "./uploads.js";
import { bindVideos, refreshVideos } from "./videos.js";

/** Cancel job `id` once the user confirms it. */
async function askToCancel(id, button, name) {
  if (await confirmCancel(id, name || (state.view && state.view.job_id === id ? state.view.name : ""))) {
    cancelJob(id, button);
  }
}

/** Everything from the server again (a new API key may see more). */
function reloadAll() {
  if (!state.catalog) loadModels();
  refreshVideos().then(renderPairs);
  refreshJobs();
  reloadJob();
  reloadLibrary();
  updateRun();
}

function init() {
  loadForm();
  onUnauthorized(askForKey);
  bindKeyDialog(reloadAll);
  renderKeyButton();
  bindUploads();
  bindVideos();
  bindPrompts();
  bindTags();
  bindModels();
  bindPairs();
  bindJobs({ open: openJob, again: runAgain, cancel: askToCancel });
  renderForm();
  bindLibrary();
  if (API) for (const a of document.querySelectorAll('a[href="openapi.json"]')) a.href = `${API}/openapi.json`;

  $("batch-mode").addEventListener("change", (event) => {
    pairsToGrid(); // exact pairs are a batch: leaving batch mode leaves them too
    setBatch(event.target.checked);
    renderForm();
  });
  $("run-button").addEventListener("click", startBatch);
  $("job-name").addEventListener("input", (event) => {
    setName(event.target.value);
    updateRun();
  });
  $("job-again").addEventListener("click", () => {
    if (state.jobId) runAgain(state.jobId, $("job-again"));
  });
  $("error-close").addEventListener("click", clearError);
  $("job-cancel").addEventListener("click", () => {
    if (state.jobId) askToCancel(state.jobId, $("job-cancel"));
  });
  window.addEventListener("popstate", () => {
    const id = jobFromUrl();
    if (id !== state.jobId) attachJob(id);
  });
  window.addEventListener("hashchange", () => {
    if (/(^#|&)job=/.test(location.hash)) attachJob(jobFromUrl());
  });
  // When the page comes back to the front, catch up at once.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") pollIfRunning();
  });

  const models = loadModels();
  refreshVideos().then(renderPairs); // saved pairs name their videos once the list is in
  refreshJobs();
  const id = jobFromUrl();
  if (id) {
    scrollToNextJob(); // opened from a link: show the job, not the form
    // After the model list (loaded or not), so the job shows the models' names.
    models.finally(() => {
      if (state.jobId === null && jobFromUrl() === id) attachJob(id);
    });
  }
}

init();
