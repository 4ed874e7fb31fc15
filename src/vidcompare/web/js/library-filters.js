/* The cross-job leaderboard's filters: a form whose every change becomes the address
 * (?view=leaderboard&by=…&model=…) and a new request. The choices come from the caller's jobs
 * (GET /api/jobs): their models, judges and tags; a prompt tag is typed (comma-separated). */
import { $, h } from "./dom.js";
import { BY_VALUES } from "./library-model.js";

const BY_LABELS = { model: "Model", prompt: "Prompt", prompt_tag: "Prompt tag" };

/** The filter form; `current()` gives the filters shown, `onChange(next)` gets the new ones after
 * every change. syncForm shows them (values, counts) after a change or a move in the history. */
export function filterForm(current, onChange) {
  const filters = current();
  const changed = (patch) => onChange({ ...current(), ...patch });
  const by = h("select", { id: "library-by", onchange: (e) => changed({ by: e.target.value }) }, BY_VALUES.map((v) => h("option", { value: v }, BY_LABELS[v])));
  by.value = filters.by;
  const judge = h("select", { id: "library-judge", onchange: (e) => changed({ judge: e.target.value }) }, h("option", { value: "" }, "Any judge"));
  const dateInput = (key, label) =>
    h("label", {}, h("span", {}, label), h("input", { type: "date", id: `library-${key}`, value: filters[key], onchange: (e) => changed({ [key]: e.target.value }) }));
  const promptTags = h("input", {
    type: "text",
    id: "library-prompt-tags",
    value: filters.promptTags.join(", "),
    placeholder: "e.g. A, B",
    autocomplete: "off",
    onchange: (e) => changed({ promptTags: e.target.value.split(",").map((t) => t.trim()).filter(Boolean) }),
  });
  return h(
    "form",
    { class: "library-filters", id: "library-filters", "aria-label": "Filter the leaderboard", onsubmit: (e) => e.preventDefault() },
    h("label", {}, h("span", {}, "Rank by"), by),
    picker("models", "Models", filters, changed),
    picker("jobs", "Jobs", filters, changed),
    picker("tags", "Job tags", filters, changed),
    h("label", {}, h("span", {}, "Prompt tags"), promptTags),
    h("label", {}, h("span", {}, "Judge"), judge),
    dateInput("since", "Since"),
    dateInput("until", "Until"),
    h("div", { class: "library-filter-actions" }, h("button", { type: "button", class: "link-button", id: "library-clear", onclick: () => changed(EMPTY) }, "Clear filters")),
  );
}

const EMPTY = { models: [], jobs: [], tags: [], promptTags: [], judge: "", since: "", until: "" };

// An open dropdown closes on a click elsewhere and on Escape (its summary keeps the focus).
document.addEventListener("click", (event) => {
  for (const open of document.querySelectorAll(".library-pick[open]")) if (!open.contains(event.target)) open.open = false;
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  for (const open of document.querySelectorAll(".library-pick[open]")) {
    open.open = false;
    open.querySelector("summary").focus();
  }
});

/** A dropdown of checkboxes (a <details>), filled by fillChoices once the jobs are in. */
function picker(key, label, filters, changed) {
  const list = h("div", { class: "library-choices", id: `library-${key}-choices`, role: "group", "aria-label": label });
  list.addEventListener("change", () => {
    const checked = [...list.querySelectorAll("input:checked")].map((input) => input.value);
    changed({ [key]: checked });
  });
  const details = h("details", { class: "library-pick", id: `library-${key}` }, h("summary", {}, h("span", { class: "pick-label" }, label), h("span", { class: "pick-count" }, countText(filters[key]))), list);
  details.dataset.key = key;
  return h("div", { class: "library-pick-field" }, h("span", { class: "pick-title", "aria-hidden": "true" }, label), details);
}

function countText(selected) {
  return selected.length ? `${selected.length} chosen` : "all";
}

/** The choices the caller's jobs offer: [{value, label}] per picker, and the judges. */
export function choicesFromJobs(jobs, nameOf) {
  const models = new Set();
  const judges = new Set();
  const tags = new Set();
  for (const job of jobs) {
    for (const m of job.models || []) models.add(m);
    if (job.judge_model) judges.add(job.judge_model);
    for (const t of job.tags || []) tags.add(t);
  }
  const sorted = (set) => [...set].sort((a, b) => a.localeCompare(b));
  return {
    models: sorted(models).map((m) => ({ value: m, label: nameOf(m) })),
    jobs: jobs.map((job) => ({ value: job.job_id, label: `${job.name || job.job_id.slice(0, 12)} · ${new Date(job.created_at).toLocaleDateString()}` })),
    tags: sorted(tags).map((t) => ({ value: t, label: t })),
    judges: sorted(judges).map((j) => ({ value: j, label: nameOf(j) })),
  };
}

/** Show `filters` in the form (after a change, Back or Forward). */
export function syncForm(filters) {
  $("library-by").value = filters.by;
  $("library-judge").value = filters.judge;
  $("library-since").value = filters.since;
  $("library-until").value = filters.until;
  $("library-prompt-tags").value = filters.promptTags.join(", ");
  for (const key of ["models", "jobs", "tags"]) {
    $(`library-${key}`).querySelector(".pick-count").textContent = countText(filters[key]);
    for (const input of $(`library-${key}-choices`).querySelectorAll("input")) input.checked = filters[key].includes(input.value);
  }
}

/** Put the choices into the form, keeping what the address chose even if no job offers it. */
export function fillChoices(choices, filters) {
  for (const key of ["models", "jobs", "tags"]) {
    const offered = choices[key];
    const extra = filters[key].filter((v) => !offered.some((c) => c.value === v)).map((v) => ({ value: v, label: v }));
    const list = $(`library-${key}-choices`);
    const all = [...offered, ...extra];
    list.replaceChildren(
      ...(all.length
        ? all.map((c) => h("label", { class: "check" }, h("input", { type: "checkbox", value: c.value, checked: filters[key].includes(c.value) }), h("span", {}, c.label)))
        : [h("span", { class: "muted" }, "none yet")]),
    );
  }
  const judge = $("library-judge");
  const judges = [...choices.judges];
  if (filters.judge && !judges.some((j) => j.value === filters.judge)) judges.push({ value: filters.judge, label: filters.judge });
  judge.replaceChildren(h("option", { value: "" }, "Any judge"), ...judges.map((j) => h("option", { value: j.value }, j.label)));
  judge.value = filters.judge;
}
