/* The current job: its address (?job=ID; #job=ID as in a shared link becomes ?job=ID), so a
 * reload or another tab finds it again; polling GET /api/jobs/ID every 2 s until it
 * finishes, with the results so far; and cancelling. */
import { api } from "./api.js";
import { showError } from "./banner.js";
import { $ } from "./dom.js";
import { hideJob, renderJob, showJobLoading } from "./job-panel.js";
import { markCurrentJobRow, refreshJobs, updateJobRow } from "./jobs.js";
import { renderResult } from "./results.js";
import { FINISHED, setJob, setView, state } from "./state.js";

const POLL_MS = 2000;

let pollTimer = null;
let lastDone = -1; // completed combinations at the last poll: fetch results when it moves
let scrollToJob = false;

/** The job in the address: ?job=ID, else #job=ID; null when none. */
export function jobFromUrl() {
  const query = new URLSearchParams(location.search).get("job");
  if (query) return query;
  const hash = new URLSearchParams(location.hash.replace(/^#/, "")).get("job");
  return hash || null;
}

/** The address of job `id`: this one with ?job=ID, its other parameters kept (a shared
 * link's #job=ID&combo=N moves into the query whole), but a combo= of another job. */
function jobUrl(id) {
  const url = new URL(location.href);
  const hash = new URLSearchParams(location.hash.replace(/^#/, ""));
  if (hash.has("job")) {
    for (const [key, value] of hash) url.searchParams.set(key, value);
    url.hash = "";
  }
  if (url.searchParams.get("job") !== id) url.searchParams.delete("combo");
  url.searchParams.set("job", id);
  return url.toString();
}

/** Show job `id` (null: none) and poll it; push adds a history entry rather than replacing. */
export function attachJob(id, { push = false } = {}) {
  if (!id) return detachJob();
  const url = jobUrl(id);
  // ?job=ID is the address of a job (#job=ID, as in a shared link, becomes ?job=ID).
  const inQuery = new URLSearchParams(location.search).get("job") === id;
  if (!inQuery || /(^#|&)job=/.test(location.hash)) {
    history[push ? "pushState" : "replaceState"]({ job: id }, "", url);
  }
  if (state.jobId === id && state.view) {
    poll();
    return;
  }
  setJob(id);
  lastDone = -1;
  showJobLoading(id, url);
  markCurrentJobRow();
  poll();
}

/** Open a job the user chose (a new history entry) and bring its panel into view. */
export function openJob(id) {
  attachJob(id, { push: true });
  $("job-panel").scrollIntoView({ behavior: "smooth", block: "start" });
}

function detachJob() {
  clearTimeout(pollTimer);
  setJob(null);
  hideJob();
  markCurrentJobRow();
}

/** The next job shown is scrolled to once loaded (the page was opened from its link). */
export function scrollToNextJob() {
  scrollToJob = true;
}

async function poll() {
  const id = state.jobId;
  clearTimeout(pollTimer);
  if (!id) return;
  let view;
  try {
    view = await api("GET", `/api/jobs/${encodeURIComponent(id)}`);
  } catch (error) {
    if (id !== state.jobId) return;
    if (error.status === 404 || error.status === 400) {
      // No such job (or not yours): say so, and drop it from the address.
      showError(error.message);
      detachJob();
      const url = new URL(location.href);
      url.searchParams.delete("job");
      url.searchParams.delete("combo");
      url.hash = "";
      history.replaceState({}, "", url.toString());
      return;
    }
    showError(error.message);
    pollTimer = setTimeout(poll, POLL_MS); // a hiccup: keep trying
    return;
  }
  if (id !== state.jobId) return;
  setView(view);
  renderJob(view);
  if (scrollToJob) {
    scrollToJob = false;
    $("job-panel").scrollIntoView({ block: "start" });
  }
  updateJobRow(view);
  markCurrentJobRow();
  const finished = FINISHED.has(view.status);
  if (view.result) {
    renderResult(view.result);
  } else if (view.completed_combinations > 0 && view.completed_combinations !== lastDone) {
    try {
      const result = await api("GET", `/api/jobs/${encodeURIComponent(id)}/result`);
      if (id === state.jobId) renderResult(result);
    } catch (error) {
      showError(error.message);
    }
  }
  lastDone = view.completed_combinations;
  if (id !== state.jobId) return;
  if (!finished) pollTimer = setTimeout(poll, POLL_MS);
  else refreshJobs();
}

/** Load the current job again from scratch (a new API key may see it differently). */
export function reloadJob() {
  if (state.jobId) {
    lastDone = -1;
    poll();
  }
}

/** Catch up at once (the page came back to the front) if the job is still running. */
export function pollIfRunning() {
  if (state.jobId && state.view && !FINISHED.has(state.view.status)) poll();
}

/** Cancel job `id` from `button`. (Ask first: confirm.js.) */
export async function cancelJob(id, button) {
  button.disabled = true;
  const label = button.textContent;
  button.textContent = "Cancelling…";
  try {
    const answer = await api("POST", `/api/jobs/${encodeURIComponent(id)}/cancel`);
    updateJobRow({ job_id: id, status: answer.status });
  } catch (error) {
    showError(error.message);
    button.disabled = false;
  } finally {
    button.textContent = label;
  }
  if (id === state.jobId) poll();
  refreshJobs();
}
