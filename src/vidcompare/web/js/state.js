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
  const ids = state.videos.map((v) => v.video_id).filter((id) => state.selected.has(id));
  return state.batch ? ids : ids.slice(0, 1);
}

export function chosenPrompts() {
  const prompts = state.prompts.map((p) => p.trim()).filter(Boolean);
  return state.batch ? prompts : prompts.slice(0, 1);
}

/** The body of POST /api/batch-compare-async for what the form says. */
export function batchBody(dryRun) {
  const body = {
    video_ids: chosenVideos(),
    prompts: chosenPrompts(),
    models: catalogModels()
      .map((m) => m.model_id)
      .filter((id) => state.models.has(id)),
    concurrency: Number.parseInt(state.concurrency, 10) || 1,
  };
  if (state.judge) body.judge_model = state.judge;
  if (dryRun) body.dry_run = true;
  return body;
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
    prompts: state.prompts,
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
  if (Array.isArray(form.prompts) && form.prompts.length) state.prompts = form.prompts.map(String);
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
/** The server's list, newest first. (Selected ids missing from it are simply not used.) */
export function setVideos(videos) {
  state.videos = [...videos].sort((a, b) => (a.created_at < b.created_at ? 1 : -1));
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

/** Remove a prompt; the list is never empty. */
export function removePrompt(index) {
  state.prompts.splice(index, 1);
  if (!state.prompts.length) state.prompts.push("");
}

export function appendPrompt() {
  state.prompts.push("");
}

/** A preset: it fills the last prompt when that is empty (or the only one in single mode). */
export function usePrompt(text) {
  if (!state.batch) {
    state.prompts[0] = text;
  } else if (state.prompts.length && !state.prompts[state.prompts.length - 1].trim()) {
    state.prompts[state.prompts.length - 1] = text;
  } else {
    state.prompts.push(text);
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

// ------------------------------------------------------------------ the current job
/** The job the page shows (null: none); its view is unknown until the next poll. */
export function setJob(id) {
  state.jobId = id;
  state.view = null;
}

export function setView(view) {
  state.view = view;
}
