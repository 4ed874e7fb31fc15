/* The server names a bad field by its path in the request body, counted from 0 among what
 * was sent (`prompts[1]`, `video_ids[0]`, `pairs[2].prompt`, `models[1]`); the form shows
 * "Prompt 2", the video's name, "Pair 3", the model's name. This module turns the one into
 * the other, finds the element that holds the field, and marks it (aria-invalid). */
import { $ } from "./dom.js";
import { batchBody, modelName, sentPairIndexes, sentPromptIndexes, videoName } from "./state.js";

const INDEXED = /\b(prompts|video_ids|models|pairs)\[(\d+)\](?:\.(prompt|video_id))?/g;
const WHOLE = {
  video_ids: "Videos",
  prompts: "Prompts",
  pairs: "Pairs",
  models: "Models",
  judge_model: "Judge",
  concurrency: "Parallel lanes",
  name: "Job name",
  judge_swaps: "Judge twice",
};
// "judge_model: …" or "prompts: …" at the start of a message or of one of its "; " parts.
const LEADING = new RegExp(`(^|; )(${Object.keys(WHOLE).join("|")})(?=: )`, "g");

/** What the paths of a request body point at in the form; taken when the body is sent, as
 * the form may change before the answer comes. */
export function formMap() {
  const body = batchBody(false);
  return {
    videoIds: body.video_ids || [],
    models: body.models,
    prompts: sentPromptIndexes(),
    pairs: sentPairIndexes(),
  };
}

const byValue = (listId, value) =>
  [...$(listId).querySelectorAll("input")].find((input) => input.value === value) || null;
const promptArea = (index) => $("prompt-list").querySelectorAll("textarea")[index] || null;
const pairArea = (index) => $("pair-list").querySelectorAll("textarea")[index] || null;

/** The element that holds a whole field (the first of a list). */
function wholeElement(path) {
  switch (path) {
    case "video_ids":
      return $("video-list").querySelector("input");
    case "prompts":
      return promptArea(0);
    case "pairs":
      return pairArea(0);
    case "models":
      return $("model-list").querySelector("input:checked") || $("model-list").querySelector("input");
    case "judge_model":
      return $("judge-select");
    case "concurrency":
      return $("concurrency");
    case "name":
      return $("job-name");
    default:
      return null;
  }
}

/** One field path of the body → how the form calls it and a way to find its element. */
export function formField(path, map) {
  const found = /^(prompts|video_ids|models|pairs)\[(\d+)\](?:\.(prompt|video_id))?$/.exec(path);
  if (!found) return { label: WHOLE[path] || path, element: () => wholeElement(path) };
  const [, list, raw, part] = found;
  const sent = Number(raw);
  if (list === "prompts") {
    const at = map.prompts[sent] ?? sent;
    return { label: `Prompt ${at + 1}`, element: () => promptArea(at) };
  }
  if (list === "pairs") {
    const at = map.pairs[sent] ?? sent;
    const label = part === "prompt" ? `Pair ${at + 1}'s prompt` : part === "video_id" ? `Pair ${at + 1}'s video` : `Pair ${at + 1}`;
    return { label, element: () => pairArea(at) };
  }
  if (list === "video_ids") {
    const id = map.videoIds[sent];
    return id
      ? { label: `Video “${videoName(id)}”`, element: () => byValue("video-list", id) }
      : { label: "Videos", element: () => wholeElement("video_ids") };
  }
  const id = map.models[sent];
  return id
    ? { label: `Model ${modelName(id)}`, element: () => byValue("model-list", id) }
    : { label: "Models", element: () => wholeElement("models") };
}

/** The server's message with every field path said as the form says it. */
export function explain(message, map) {
  return message
    .replace(INDEXED, (path) => formField(path, map).label)
    .replace(LEADING, (_, start, path) => start + WHOLE[path]);
}

/** The fields a 400 answer names: its details, else the path its message starts with. */
export function refusedFields(error, map) {
  const paths = (error.details || []).map((d) => d && d.field).filter((f) => typeof f === "string");
  if (!paths.length) {
    const lead = /^([a-z_]+(?:\[\d+\])?(?:\.[a-z_]+)?): /.exec(error.message);
    if (lead) paths.push(lead[1]);
  }
  return paths.map((path) => formField(path, map));
}

/** Mark these fields invalid (and only these): aria-invalid, which the style shows too.
 * Returns the first one's element (null: none is on the page). */
export function markInvalid(fields) {
  const marked = new Set(fields.map((f) => f.element()).filter(Boolean));
  for (const el of $("setup").querySelectorAll('[aria-invalid="true"]')) {
    if (marked.has(el)) continue;
    el.removeAttribute("aria-invalid");
    el.removeAttribute("aria-errormessage");
  }
  for (const el of marked) {
    el.setAttribute("aria-invalid", "true");
    el.setAttribute("aria-errormessage", "run-reason"); // why, as said next to Run
  }
  // A checkbox's own box cannot show it: its label does.
  for (const label of $("setup").querySelectorAll("label.pick")) {
    const input = label.querySelector("input");
    label.classList.toggle("invalid", Boolean(input && marked.has(input)));
  }
  return [...marked][0] || null;
}
