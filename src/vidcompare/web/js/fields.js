/* The server names a bad field by its path in the request body, counted from 0 among what
 * was sent (`prompts[1]`, `video_ids[0]`, `pairs[2].prompt`, `models[1]`, `tags[1]`,
 * `prompt_tags.<prompt text>`); the form shows "Prompt 2", the video's name, "Pair 3", the
 * model's name, "Tag 2", "Prompt 2's tag". This module turns the one into
 * the other, finds the element that holds the field, and marks it (aria-invalid). */
import { $ } from "./dom.js";
import { batchBody, modelName, sentPairIndexes, sentPromptIndexes, state, videoName } from "./state.js";

const INDEXED = /\b(prompts|video_ids|models|pairs|tags)\[(\d+)\](?:\.(prompt|video_id))?/g;
const PROMPT_TAG = "prompt_tags.";
const WHOLE = {
  video_ids: "Videos",
  prompts: "Prompts",
  pairs: "Pairs",
  models: "Models",
  judge_model: "Judge",
  concurrency: "Parallel lanes",
  name: "Job name",
  judge_swaps: "Judge twice",
  tags: "Tags",
  prompt_tags: "Prompt tags",
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
    promptTagRows: promptTagRows(),
  };
}

/** A tagged prompt's text -> where its tag is in the form: {pair, index} (its first pair's). */
function promptTagRows() {
  const rows = {};
  const add = (text, tag, index) => {
    const key = text.trim();
    if ((tag || "").trim() && !(key in rows)) rows[key] = { pair: Boolean(state.pairs), index };
  };
  if (state.pairs) for (const i of sentPairIndexes()) add(state.pairs[i].prompt, state.pairs[i].tag, i);
  else for (const i of sentPromptIndexes()) add(state.prompts[i], state.promptTags[i], i);
  return rows;
}

const byValue = (listId, value) =>
  [...$(listId).querySelectorAll("input")].find((input) => input.value === value) || null;
const promptArea = (index) => $("prompt-list").querySelectorAll("textarea")[index] || null;
const pairArea = (index) => $("pair-list").querySelectorAll("textarea")[index] || null;
const promptTagInput = (list, index) => $(list).querySelectorAll("input.prompt-tag")[index] || null;
const tagChip = (index) => $("tag-list").children[index] || null;

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
    case "tags":
      return $("tags-input");
    case "prompt_tags":
      return [...$("setup").querySelectorAll("input.prompt-tag")].find((input) => input.value.trim() && input.offsetParent) || null;
    default:
      return null;
  }
}

/** One field path of the body → how the form calls it and a way to find its element. */
export function formField(path, map) {
  if (path.startsWith(PROMPT_TAG)) return promptTagField(path.slice(PROMPT_TAG.length), map);
  const found = /^(prompts|video_ids|models|pairs|tags)\[(\d+)\](?:\.(prompt|video_id))?$/.exec(path);
  if (!found) return { label: WHOLE[path] || path, element: () => wholeElement(path) };
  const [, list, raw, part] = found;
  const sent = Number(raw);
  if (list === "prompts") {
    const at = map.prompts[sent] ?? sent;
    return { label: `Prompt ${at + 1}`, element: () => promptArea(at) };
  }
  if (list === "tags") return { label: `Tag ${sent + 1}`, element: () => tagChip(sent) };
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

/** `prompt_tags.<text>`: the tag of the prompt with that text, "Prompt 2's tag". */
function promptTagField(text, map) {
  const row = (map.promptTagRows || {})[text];
  if (!row) return { label: WHOLE.prompt_tags, element: () => wholeElement("prompt_tags") };
  const [label, list] = row.pair ? [`Pair ${row.index + 1}'s tag`, "pair-list"] : [`Prompt ${row.index + 1}'s tag`, "prompt-list"];
  return { label, element: () => promptTagInput(list, row.index) };
}

/** The server's message with every field path said as the form says it. */
export function explain(message, map) {
  // A prompt's text may hold anything, paths too: its tag's path is said first.
  let said = message;
  for (const text of Object.keys(map.promptTagRows || {})) {
    said = said.replaceAll(`${PROMPT_TAG}${text}: `, `${promptTagField(text, map).label}: `);
  }
  return said
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
