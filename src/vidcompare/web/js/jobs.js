/* The jobs list: the newest 20 jobs with name, tags (each a link to the Leaderboard filtered
 * by it), status, progress, a link, "Run again" and a cancel button, refreshed every 5 s while the page is visible. Rows are kept and updated in
 * place (not redrawn), so a button under the pointer stays put. Opening, running again and
 * cancelling are other modules' business: main.js hands them in (bindJobs), which keeps this
 * module free of job.js. On a phone the rows are cards (style.css), labelled by data-label. */
import { api } from "./api.js";
import { showError } from "./banner.js";
import { $, h } from "./dom.js";
import { relTime } from "./format.js";
import { FINISHED, modelName, state } from "./state.js";
import { tagLinks } from "./tags.js";

const JOBS_REFRESH_MS = 5000;

const jobRows = new Map(); // job id -> row parts, updated in place
let jobsSeq = 0;
let actions = { open: () => {}, again: () => {}, cancel: () => {} };

/** open(id): show that job; again(id, button): into the form; cancel(id, button, name):
 * cancel it (once confirmed). Refresh now and then. */
export function bindJobs({ open, again, cancel }) {
  actions = { open, again, cancel };
  $("jobs-refresh").addEventListener("click", refreshJobs);
  setInterval(() => {
    if (document.visibilityState === "visible") refreshJobs();
  }, JOBS_REFRESH_MS);
}

export async function refreshJobs() {
  const seq = ++jobsSeq; // only the newest answer counts
  let answer;
  try {
    answer = await api("GET", "/api/jobs?limit=20");
  } catch (error) {
    if (seq === jobsSeq) {
      showError(error.message);
      if (!jobRows.size) $("jobs-empty").textContent = "The jobs could not be loaded.";
    }
    return;
  }
  if (seq !== jobsSeq) return;
  const body = $("jobs-table").querySelector("tbody");
  const ids = answer.jobs.map((job) => job.job_id);
  for (const [id, row] of jobRows) {
    if (!ids.includes(id)) {
      row.tr.remove();
      jobRows.delete(id);
    }
  }
  answer.jobs.forEach((job, index) => {
    let row = jobRows.get(job.job_id);
    if (!row) {
      row = jobRow(job);
      jobRows.set(job.job_id, row);
    }
    updateJobRow(job);
    if (body.children[index] !== row.tr) body.insertBefore(row.tr, body.children[index] || null);
  });
  $("jobs-empty").textContent = "No jobs yet.";
  $("jobs-empty").hidden = answer.jobs.length > 0;
  $("jobs-table").hidden = answer.jobs.length === 0;
  markCurrentJobRow();
}

function jobRow(job) {
  // A plain click opens the job in this page; with a modifier the link does what links do.
  const open = (event) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    actions.open(job.job_id);
  };
  const parts = {
    started: h("td", { role: "cell", class: "started-cell", title: new Date(job.created_at).toLocaleString(), "data-label": "Started" }, relTime(job.created_at)),
    badge: h("span", { class: "badge" }),
    fill: h("span"),
    count: h("span", { class: "count" }),
    mini: null,
    done: 0, // combinations compared so far
    name: h("span", { class: "job-name" }, job.name || ""),
    link: h("a", { href: jobHref(job.job_id), class: "btn btn-ghost btn-small job-open", onclick: open }, "Open"),
    again: h("button", { type: "button", class: "btn btn-ghost btn-small job-again" }, "Run again"),
    cancel: h("button", { type: "button", class: "btn btn-danger btn-small job-cancel" }, "Cancel"),
  };
  parts.again.addEventListener("click", () => actions.again(job.job_id, parts.again));
  parts.cancel.addEventListener("click", () => actions.cancel(job.job_id, parts.cancel, parts.name.textContent));
  parts.mini = h("div", { class: "mini-progress" }, h("div", { class: "bar" }, parts.fill), parts.count);
  parts.tr = h(
    "tr",
    { role: "row", dataset: { jobId: job.job_id } },
    parts.started,
    h(
      "td",
      { role: "cell", class: "job-cell", "data-label": "Job" },
      parts.name,
      h("a", { href: jobHref(job.job_id), onclick: open }, h("code", {}, job.job_id.slice(0, 12))),
      h("span", { class: "job-tag-list" }, tagLinks(job.tags)),
    ),
    h("td", { role: "cell", "data-label": "Status" }, parts.badge),
    h("td", { role: "cell", class: "progress-cell", "data-label": "Progress" }, parts.mini),
    h("td", { role: "cell", class: "models-cell", "data-label": "Models" }, (job.models || []).map(modelName).join(", ")),
    h("td", { role: "cell", class: "actions-cell" }, h("div", { class: "job-actions" }, parts.link, parts.again, parts.cancel)),
  );
  return parts;
}

/** Bring a job's row up to date from a JobView (or any part of one: id and status). */
export function updateJobRow(job) {
  const row = jobRows.get(job.job_id);
  if (!row) return;
  row.tr.dataset.status = job.status;
  row.badge.textContent = job.status;
  row.badge.className = `badge ${job.status}`;
  row.mini.className = `mini-progress ${job.status}`;
  if (job.progress !== undefined) row.fill.style.width = `${Math.max(0, Math.min(100, job.progress))}%`;
  if (job.total_combinations !== undefined) {
    row.count.textContent = `${job.completed_combinations}/${job.total_combinations} · ${Math.floor(job.progress)}%`;
  }
  if (job.created_at) {
    row.started.textContent = relTime(job.created_at);
  }
  if (typeof job.name === "string") row.name.textContent = job.name;
  const finished = FINISHED.has(job.status);
  row.cancel.hidden = finished;
  // "Results" once there are comparisons to read, whatever the status; "Open" before.
  if (job.completed_combinations !== undefined) row.done = job.completed_combinations;
  row.link.textContent = row.done > 0 ? "Results" : "Open";
}

/** A job's address: this page's, with ?job=ID (any other parameter of it kept, but combo=,
 * which names a combination of the job shown now). */
function jobHref(id) {
  const params = new URLSearchParams(location.search);
  params.delete("combo");
  params.set("job", id);
  return `?${params}`;
}

/** Highlight the row of the job the page shows. */
export function markCurrentJobRow() {
  // The address may hold a short id (a prefix): the job's view knows the whole one.
  const current = state.view ? state.view.job_id : state.jobId;
  for (const [id, row] of jobRows) row.tr.classList.toggle("current", id === current);
}
