/* The page's one state object: what the form says, what the server listed, which job is open.
 * Any module may read `state`; only the functions below change it, so every rule that keeps it
 * consistent (single mode keeps one video and one prompt, at most max_models models, a saved
 * choice is checked against the catalogue) lives here. The form is kept in localStorage. */
import { parseJson } from "./api.js";

const FORM_STORE = "vidcompare.form";
const DEFAULT_MAX_MODELS = 4; // until GET /api/models says

/** A job in one of these statuses no longer changes. */
export const FINISHED = new Set(["completed", "failed", "cancelled"]);

export const state = Object.seal({
  batch: true,
  videos: [], // VideoInfo[] from GET /api/videos, newest first
  selected: new Set(), // chosen video ids
  prompts: [""],
  catalog: null, // ModelCatalog from GET /api/models
  catalogError: "",
  models: new Set(), // chosen model ids (the offline ones once the catalog is in)
  formModels: null, // the saved choice, applied when the catalog arrives
  judge: "",
  concurrency: "1",
  name: "", // the job's name, optional
  tags: [], // the job's tags: trimmed, none empty, none twice (tags.js)
  promptTags: [""], // each prompt's tag, beside state.prompts ("": untagged)
  judgeSwaps: 1, // 2 when a job run again judged each combination twice, answers swapped
  pairs: null, // [{video_id, prompt, tag}] when the form runs a job's exact pairs again, else null
  jobId: null, // the job in the address (?job=ID)
  view: null, // the current job's last JobView
});

// ------------------------------------------------------------------ reading
export function catalogModels() {
  return state.catalog ? state.catalog.models : [];
}

export function maxModels() {
  return state.catalog ? state.catalog.max_models : DEFAULT_MAX_MODELS;
}

export function chosenVideos() {
  if (state.pairs) return [...new Set(state.pairs.map((p) => p.video_id))];
  const ids = state.videos.map((v) => v.video_id).filter((id) => state.selected.has(id));
  return state.batch ? ids : ids.slice(0, 1);
}

export function chosenPrompts() {
  if (state.pairs) return [...new Set(state.pairs.map((p) => p.prompt.trim()).filter(Boolean))];
  return sentPromptIndexes().map((index) => state.prompts[index].trim());
}

/** Where each prompt sent lies in the form: prompts[i] of the body is state.prompts[result[i]]. */
export function sentPromptIndexes() {
  const indexes = [];
  state.prompts.forEach((text, index) => {
    if (text.trim()) indexes.push(index);
  });
  return state.batch ? indexes : indexes.slice(0, 1);
}

/** The pairs the form sends (blank prompts left out): pairs[i] of the body is state.pairs[result[i]]. */
export function sentPairIndexes() {
  const indexes = [];
  (state.pairs || []).forEach((pair, index) => {
    if (pair.prompt.trim()) indexes.push(index);
  });
  return indexes;
}

/** How many combinations the form describes. */
export function combinationCount() {
  return state.pairs ? sentPairIndexes().length : chosenVideos().length * chosenPrompts().length;
}

/** The body of POST /api/batch-compare-async for what the form says. */
export function batchBody(dryRun) {
  const body = state.pairs
    ? { pairs: sentPairIndexes().map((i) => ({ video_id: state.pairs[i].video_id, prompt: state.pairs[i].prompt.trim() })) }
    : { video_ids: chosenVideos(), prompts: chosenPrompts() };
  Object.assign(body, {
    models: catalogModels()
      .map((m) => m.model_id)
      .filter((id) => state.models.has(id)),
    concurrency: state.concurrency === "auto" ? "auto" : Number.parseInt(state.concurrency, 10) || 1,
  });
  if (state.judge) body.judge_model = state.judge;
  if (state.name.trim()) body.name = state.name.trim();
  if (state.judgeSwaps > 1) body.judge_swaps = state.judgeSwaps;
  if (state.tags.length) body.tags = [...state.tags];
  const promptTags = sentPromptTags();
  if (Object.keys(promptTags).length) body.prompt_tags = promptTags;
  if (dryRun) body.dry_run = true;
  return body;
}

/** The prompt tags sent: a sent prompt's text -> its tag, untagged prompts left out. In
 * pairs mode a prompt's tag is its first pair's with one (pairs of a prompt share it). */
export function sentPromptTags() {
  const tags = {};
  const entries = state.pairs
    ? sentPairIndexes().map((i) => [state.pairs[i].prompt, state.pairs[i].tag])
    : sentPromptIndexes().map((i) => [state.prompts[i], state.promptTags[i]]);
  for (const [prompt, tag] of entries) {
    const [text, label] = [prompt.trim(), (tag || "").trim()];
    if (label && !(text in tags)) tags[text] = label;
  }
  return tags;
}

/** A model's or judge's display name; a Gemini id the catalogue lacks gets a readable one. */
export function modelName(id) {
  const model = catalogModels().find((m) => m.model_id === id);
  if (model) return model.display_name;
  const judge = state.catalog && state.catalog.judges.find((j) => j.judge_id === id);
  if (judge) return judge.display_name;
  if (id && id.startsWith("gemini-")) {
    const words = id.slice(7).split("-").map((w) => (/^\d/.test(w) ? w : w[0].toUpperCase() + w.slice(1)));
    return `Gemini ${words.join(" ")}`;
  }
  return id || "";
}

export function videoName(id) {
  const found = state.videos.find((v) => v.video_id === id);
  return found ? found.filename : id;
}

// ------------------------------------------------------------------ the saved form
export function saveForm() {
  const form = {
    batch: state.batch,
    videos: [...state.selected],
    prompts: state.prompts,
    promptTags: state.promptTags,
    pairs: state.pairs,
    name: state.name,
    tags: state.tags,
    judgeSwaps: state.judgeSwaps,
    models: state.catalog ? [...state.models] : state.formModels,
    judge: state.judge,
    concurrency: state.concurrency,
  };
  try {
    localStorage.setItem(FORM_STORE, JSON.stringify(form));
  } catch (_) {
    /* private mode: nothing to keep */
  }
}

export function loadForm() {
  const form = parseJson(localStorage.getItem(FORM_STORE));
  if (!form) return;
  if (typeof form.batch === "boolean") state.batch = form.batch;
  // The ticks come back with the prompts ("Run 0 × 20" otherwise); ids the server no longer
  // lists are dropped when its list arrives (setVideos).
  if (Array.isArray(form.videos)) state.selected = new Set(form.videos.map(String));
  if (Array.isArray(form.prompts) && form.prompts.length) state.prompts = form.prompts.map(String);
  state.promptTags = state.prompts.map((_, i) => (Array.isArray(form.promptTags) ? String(form.promptTags[i] ?? "") : ""));
  if (Array.isArray(form.pairs) && form.pairs.length) state.pairs = cleanPairs(form.pairs);
  if (typeof form.name === "string") state.name = form.name;
  if (Array.isArray(form.tags)) setTags(form.tags);
  if (form.judgeSwaps === 2) state.judgeSwaps = 2;
  // Models and judge are checked against the catalog once it arrives (setCatalog).
  if (Array.isArray(form.models)) state.formModels = form.models.map(String);
  if (typeof form.judge === "string") state.judge = form.judge;
  if (form.concurrency) state.concurrency = String(form.concurrency);
}

// ------------------------------------------------------------------ mode
/** Batch mode on or off; off keeps only the first selected video. */
export function setBatch(on) {
  state.batch = on;
  if (!state.batch && state.selected.size > 1) {
    const first = chosenVideos()[0];
    state.selected = new Set(first ? [first] : []);
  }
}

// ------------------------------------------------------------------ videos
/** The server's list, newest first; chosen ids it no longer lists are dropped. */
export function setVideos(videos) {
  state.videos = [...videos].sort((a, b) => (a.created_at < b.created_at ? 1 : -1));
  const listed = new Set(state.videos.map((v) => v.video_id));
  state.selected = new Set([...state.selected].filter((id) => listed.has(id)));
}

/** Tick or untick a video; in single mode a tick replaces the one chosen. */
export function chooseVideo(id, on) {
  if (!state.batch) state.selected.clear();
  if (on) state.selected.add(id);
  else state.selected.delete(id);
}

export function chooseAllVideos() {
  state.selected = new Set(state.videos.map((v) => v.video_id));
}

export function chooseNoVideos() {
  state.selected.clear();
}

// ------------------------------------------------------------------ prompts
export function setPrompt(index, text) {
  state.prompts[index] = text;
}

export function setPromptTag(index, text) {
  state.promptTags[index] = text;
}

/** Remove a prompt (and its tag); the list is never empty. */
export function removePrompt(index) {
  state.prompts.splice(index, 1);
  state.promptTags.splice(index, 1);
  if (!state.prompts.length) appendPrompt();
}

export function appendPrompt() {
  state.prompts.push("");
  state.promptTags[state.prompts.length - 1] = "";
}

/** A preset: it fills the last prompt when that is empty (or the only one in single mode). */
export function usePrompt(text) {
  if (!state.batch) {
    state.prompts[0] = text;
  } else if (state.prompts.length && !state.prompts[state.prompts.length - 1].trim()) {
    state.prompts[state.prompts.length - 1] = text;
  } else {
    appendPrompt();
    state.prompts[state.prompts.length - 1] = text;
  }
}

// ------------------------------------------------------------------ models, judge, lanes
/** The server's catalogue arrived: keep only the chosen models and judge it knows; on a
 * first visit choose the offline models. */
export function setCatalog(catalog) {
  state.catalog = catalog;
  const known = catalogModels().map((m) => m.model_id);
  const wanted = state.formModels || catalogModels().filter((m) => m.offline).map((m) => m.model_id);
  state.models = new Set(wanted.filter((id) => known.includes(id)).slice(0, maxModels()));
  state.formModels = null;
  if (state.judge && !state.catalog.judges.some((j) => j.judge_id === state.judge)) state.judge = "";
}

/** Why the catalogue could not be loaded ("" while it loads again). */
export function setCatalogError(message) {
  state.catalogError = message;
}

/** Tick or untick a model; false (and nothing changed) when that would exceed the limit. */
export function chooseModel(id, on) {
  if (on && state.models.size >= maxModels()) return false;
  if (on) state.models.add(id);
  else state.models.delete(id);
  return true;
}

export function setJudge(id) {
  state.judge = id;
}

export function setConcurrency(value) {
  state.concurrency = value;
}

export function setName(text) {
  state.name = text;
}

/** The job's tags: each trimmed, empty ones dropped, a repeat kept once (its first place). */
export function setTags(tags) {
  state.tags = [...new Set(tags.map((t) => String(t).trim()).filter(Boolean))];
}

// ------------------------------------------------------------------ exact pairs
function cleanPairs(pairs) {
  const clean = pairs
    .filter((p) => p && typeof p.video_id === "string" && typeof p.prompt === "string")
    .map((p) => ({ video_id: p.video_id, prompt: p.prompt, tag: typeof p.tag === "string" ? p.tag : "" }));
  return clean.length ? clean : null;
}

export function setPairPrompt(index, text) {
  state.pairs[index].prompt = text;
}

/** A pair's prompt tag: its prompt's, for every pair of that prompt (run.js says when two
 * pairs of one prompt disagree). */
export function setPairTag(index, text) {
  state.pairs[index].tag = text;
}

/** Remove a pair; the last one gone leaves the pairs for videos × prompts. */
export function removePair(index) {
  state.pairs.splice(index, 1);
  if (!state.pairs.length) state.pairs = null;
}

/** Leave the exact pairs for videos × prompts: their videos ticked and their prompts listed. */
export function pairsToGrid() {
  if (!state.pairs) return;
  const pairs = state.pairs;
  state.pairs = null;
  state.batch = true;
  state.selected = new Set(pairs.map((p) => p.video_id));
  const prompts = [...new Set(pairs.map((p) => p.prompt))];
  state.prompts = prompts.length ? prompts : [""];
  state.promptTags = state.prompts.map((text) => (pairs.find((p) => p.prompt === text && p.tag) || { tag: "" }).tag);
}

// ------------------------------------------------------------------ a job's request, again
/** Fill the form with a job's request (GET /api/jobs/ID/request) to run it again, edited. */
export function loadRequest(request) {
  state.batch = true;
  const promptTags = request.prompt_tags && typeof request.prompt_tags === "object" ? request.prompt_tags : {};
  const tagOf = (prompt) => String(promptTags[prompt] ?? "");
  state.pairs = Array.isArray(request.pairs) && request.pairs.length ? cleanPairs(request.pairs) : null;
  if (state.pairs) {
    for (const pair of state.pairs) pair.tag = tagOf(pair.prompt);
  } else {
    state.selected = new Set((request.video_ids || []).map(String));
    const prompts = (request.prompts || []).map(String);
    state.prompts = prompts.length ? prompts : [""];
    state.promptTags = state.prompts.map(tagOf);
  }
  const models = (request.models || []).map(String);
  if (state.catalog) {
    const known = catalogModels().map((m) => m.model_id);
    state.models = new Set(models.filter((id) => known.includes(id)).slice(0, maxModels()));
  } else {
    state.formModels = models;
  }
  state.judge = request.judge_model ? String(request.judge_model) : "";
  if (state.catalog && state.judge && !state.catalog.judges.some((j) => j.judge_id === state.judge)) state.judge = "";
  state.concurrency = String(request.concurrency || 1);
  state.judgeSwaps = request.judge_swaps === 2 ? 2 : 1;
  state.name = request.name ? `${request.name} (again)` : "";
  setTags(Array.isArray(request.tags) ? request.tags : []);
}

// ------------------------------------------------------------------ the current job
/** The job the page shows (null: none); its view is unknown until the next poll. */
export function setJob(id) {
  state.jobId = id;
  state.view = null;
}

export function setView(view) {
  state.view = view;
}
