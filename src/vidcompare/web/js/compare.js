/* "Compare with another job" under the results: choose a job (the jobs list, or an id typed
 * in), and see per model the mean score in each job and the difference, and per
 * combination which job scored higher. */
import { api } from "./api.js";
import { $, h } from "./dom.js";
import { fmtScore } from "./format.js";
import { compareResults } from "./compare-model.js";
import { videoName } from "./state.js";

let current = null; // the JobResult on the page

/** The result the page shows changed (a new poll, another job). */
export function setCompareBase(result) {
  const changedJob = current && current.job_id !== result.job_id;
  current = result;
  if (changedJob) $("compare-output").replaceChildren();
}

export function bindCompare() {
  $("compare").addEventListener("toggle", () => {
    if ($("compare").open) listJobs();
  });
  $("compare-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const id = $("compare-job").value.trim();
    if (id) compareWith(id);
  });
}

async function listJobs() {
  const options = $("compare-jobs");
  try {
    const answer = await api("GET", "/api/jobs?limit=50");
    const jobs = answer.jobs.filter((job) => current && job.job_id !== current.job_id && job.completed_combinations > 0);
    options.replaceChildren(...jobs.map((job) => h("option", { value: job.job_id }, `${job.name || job.job_id.slice(0, 12)} · ${job.status}`)));
  } catch (_) {
    options.replaceChildren(); // an id can still be typed in
  }
}

async function compareWith(id) {
  const output = $("compare-output");
  output.replaceChildren(h("p", { class: "muted" }, "Loading…"));
  let other;
  try {
    other = await api("GET", `/api/jobs/${encodeURIComponent(id)}/result`);
  } catch (error) {
    output.replaceChildren(h("p", { class: "compare-error", role: "alert" }, error.message));
    return;
  }
  output.replaceChildren(...renderComparison(compareResults(current, other), other));
}

function signed(value) {
  if (value === null) return "—";
  const text = Math.abs(value).toFixed(2);
  return value > 0 ? `+${text}` : value < 0 ? `−${text}` : "0.00";
}

function renderComparison(outcome, other) {
  const otherName = other.job_id.slice(0, 12);
  if (!outcome.combos.length) {
    return [h("p", { class: "compare-error", role: "alert" }, `Job ${otherName} has no combination in common with this one.`)];
  }
  const { wins } = outcome;
  return [
    h(
      "p",
      { class: "compare-summary" },
      `${outcome.combos.length} combinations paired by ${outcome.by}: this job scored higher in ${wins.first}, job ${otherName} in ${wins.second}, tied in ${wins.tie}.`,
    ),
    h(
      "table",
      { class: "table compare-models" },
      h("thead", {}, h("tr", {}, h("th", {}, "Model"), h("th", { class: "num" }, "This job"), h("th", { class: "num" }, `Job ${otherName}`), h("th", { class: "num" }, "Difference"))),
      h(
        "tbody",
        {},
        outcome.models.map((m) =>
          h(
            "tr",
            { dataset: { modelId: m.id } },
            h("td", {}, m.name),
            h("td", { class: "num" }, m.first === null ? "—" : m.first.toFixed(2)),
            h("td", { class: "num" }, m.second === null ? "—" : m.second.toFixed(2)),
            h("td", { class: `num diff-${Math.sign(m.difference || 0)}` }, signed(m.difference)),
          ),
        ),
      ),
    ),
    h(
      "div",
      { class: "compare-combos table-wrap" },
      h(
        "table",
        { class: "table" },
        h("thead", {}, h("tr", {}, h("th", {}, "#"), h("th", {}, "Video"), h("th", {}, "Prompt"), h("th", { class: "num" }, "This job"), h("th", { class: "num" }, `Job ${otherName}`), h("th", {}, "Higher"))),
        h(
          "tbody",
          {},
          outcome.combos.map((c) =>
            h(
              "tr",
              { dataset: { combo: c.index + 1, higher: c.higher } },
              h("td", { class: "num" }, c.index + 1),
              h("td", {}, videoName(c.video_id)),
              h("td", { class: "compare-prompt" }, c.prompt === c.otherPrompt ? c.prompt : `${c.prompt} ⟷ ${c.otherPrompt}`),
              h("td", { class: "num" }, fmtScore(c.first === null ? null : Math.round(c.first * 10) / 10)),
              h("td", { class: "num" }, fmtScore(c.second === null ? null : Math.round(c.second * 10) / 10)),
              h("td", {}, { first: "this job", second: `job ${otherName}`, tie: "tie", unknown: "—" }[c.higher]),
            ),
          ),
        ),
      ),
    ),
  ];
}
