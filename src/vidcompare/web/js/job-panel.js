/* The current job's panel: status badge, progress bar, percent, message and ETA, the note
 * that it runs on the server, its tags and its facts. Rendering only; job.js decides when. */
import { $, h } from "./dom.js";
import { fmtCost, fmtSeconds, plural } from "./format.js";
import { FINISHED, modelName } from "./state.js";
import { tagLinks } from "./tags.js";

/** Change an element's text only when it differs: a live region re-reads any write. */
function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

/** A job was chosen: its panel, empty until its first answer; the last job's results go. */
export function showJobLoading(id, url) {
  $("job-panel").hidden = false;
  $("job-id").textContent = id;
  $("job-name-title").textContent = "";
  $("job-again").hidden = true;
  $("job-status").textContent = "loading";
  $("job-status").className = "badge";
  $("job-error").hidden = true;
  renderJobTags([]);
  $("job-facts").replaceChildren();
  $("progress-message").textContent = "Loading…";
  $("progress-eta").textContent = "";
  $("job-link").textContent = url;
  $("job-link").href = url;
  $("results").replaceChildren();
  $("results-panel").hidden = true;
  $("leaderboard-panel").hidden = true;
}

/** No job: the job, leaderboard and results panels are hidden. */
export function hideJob() {
  $("job-panel").hidden = true;
  $("results-panel").hidden = true;
  $("leaderboard-panel").hidden = true;
}

/** "2 videos × 3 prompts", or for a job of exact pairs "pairs of 2 videos and 3 prompts". */
function shape(view) {
  const videos = plural(view.total_videos, "video");
  const prompts = plural(view.total_prompts, "prompt");
  const grid = view.total_videos * view.total_prompts === view.total_combinations;
  return grid ? `${videos} × ${prompts}` : `exact pairs of ${videos} and ${prompts}`;
}

/** The job's tags, each a link to the Leaderboard filtered by it; drawn only when they
 * change, so a focused link survives the polls. */
function renderJobTags(tags) {
  const box = $("job-tags");
  const key = JSON.stringify(tags);
  if (box.dataset.tags === key) return;
  box.dataset.tags = key;
  box.hidden = !tags.length;
  box.replaceChildren(...(tags.length ? [h("span", { class: "muted" }, "Tags"), ...tagLinks(tags)] : []));
}

export function renderJob(view) {
  const status = view.status;
  const finished = FINISHED.has(status);
  const pct = Math.max(0, Math.min(100, view.progress || 0));
  $("job-id").textContent = view.job_id;
  setText($("job-name-title"), view.name ? `${view.name} ·` : "");
  $("job-again").hidden = false;
  const badge = $("job-status");
  badge.textContent = status;
  badge.className = `badge ${status}`;
  const bar = $("progress");
  bar.className = `progress ${status}`;
  bar.setAttribute("aria-valuenow", String(Math.floor(pct)));
  bar.setAttribute("aria-valuetext", `${Math.floor(pct)}%, ${view.completed_combinations} of ${plural(view.total_combinations, "combination")} done (${status})`);
  bar.dataset.status = status;
  $("progress-fill").style.width = `${pct}%`;
  setText($("progress-percent"), `${Math.floor(pct)}%`);
  setText($("progress-message"), view.progress_message || "");
  let eta = "";
  if (status === "running" || status === "pending") {
    eta = view.eta_seconds != null ? `ETA ${fmtSeconds(view.eta_seconds)}` : "estimating time left…";
  } else if (status === "completed" && view.finished_at) {
    const from = Date.parse(view.started_at || view.created_at);
    const took = (Date.parse(view.finished_at) - from) / 1000;
    if (!Number.isNaN(took)) eta = `finished in ${fmtSeconds(took)}`;
  }
  $("progress-eta").textContent = eta;
  $("background-note").hidden = finished;
  const cancel = $("job-cancel");
  cancel.hidden = finished;
  if (finished) cancel.disabled = false;
  const error = $("job-error");
  error.hidden = !view.error;
  error.textContent = view.error ? `This job failed: ${view.error}` : "";
  const facts = [
    ["Combinations", `${view.completed_combinations}/${view.total_combinations} (${shape(view)})`],
    ["Models", view.models.map(modelName).join(", ")],
    ["Judge", modelName(view.judge_model)],
    ["Lanes", lanesText(view)],
    ["Started", new Date(view.created_at).toLocaleString()],
  ];
  if (view.total_tokens) facts.push(["Tokens", view.total_tokens.toLocaleString()]);
  if (view.estimated_cost_usd) facts.push(["Cost", fmtCost(view.estimated_cost_usd)]);
  renderJobTags(view.tags || []);
  $("job-facts").replaceChildren(...facts.map(([k, v]) => h("div", {}, h("dt", {}, k), h("dd", {}, v))));
}

/** "3", "auto (up to 8)", or "auto: 3 of 8 now" while an Auto job runs (its lanes shrink
 * while the models' quota makes their calls wait). */
export function lanesText(view) {
  if (!view.auto_concurrency) return String(view.concurrency);
  if (view.lanes_now != null) return `auto: ${view.lanes_now} of ${view.concurrency} now`;
  return `auto (up to ${view.concurrency})`;
}
