/* A job's tags: the form's Tags field (chips; Enter or a comma adds what was typed, ×
 * or Backspace in the empty box removes one) and the chips that show a job's tags, each a
 * link to the Leaderboard view filtered by it. The server's rules (at most 20, each 1–40
 * characters, one line) are checked by its dry run like every other field; the hint says
 * what is typed before it becomes a tag. */
import { $, h } from "./dom.js";
import { pageQuery, readFilters } from "./library-model.js";
import { updateRun } from "./run.js";
import { setTags, state } from "./state.js";

export const MAX_TAGS = 20; // the API's limits, said in the hint
export const MAX_TAG_CHARS = 40;

let note = ""; // what the last change of the tags had to say (a repeat), until the next one
let refusal = ""; // why the form cannot run, when that is about a tag (said next to Run too)

/** The Tags field's chips, from the state. */
export function renderTags() {
  $("tag-list").replaceChildren(
    ...state.tags.map((tag, index) =>
      h(
        "li",
        { class: "tag-chip", tabindex: "-1", dataset: { tag } },
        h("span", { class: "tag-text" }, tag),
        h("button", { type: "button", class: "tag-remove", "aria-label": `Remove tag ${tag}`, title: "Remove this tag", onclick: () => removeTag(index) }, "×"),
      ),
    ),
  );
  sayHint();
}

function changed() {
  note = "";
  renderTags();
  updateRun();
}

function removeTag(index) {
  const next = state.tags.filter((_, i) => i !== index);
  setTags(next);
  changed();
  $("tags-input").focus();
}

/** What was typed becomes tags (split at commas), the box keeps `rest`; a repeat is said,
 * not added twice. */
function commit(text, rest = "") {
  const input = $("tags-input");
  input.value = rest;
  const typed = text.split(",").map((t) => t.trim()).filter(Boolean);
  if (!typed.length) return;
  const repeats = typed.filter((t) => state.tags.includes(t));
  setTags([...state.tags, ...typed]);
  changed();
  if (repeats.length) {
    note = `“${repeats[0]}” is already a tag.`;
    sayHint();
  }
}

/** The line under the field: how to add, how many, and what is wrong with the typed text. */
function sayHint() {
  const pending = $("tags-input").value.trim();
  const hint = $("tags-hint");
  const over = [...pending].length > MAX_TAG_CHARS;
  hint.classList.toggle("warn", over || Boolean(refusal || note) || state.tags.length > MAX_TAGS);
  if (over) {
    hint.textContent = `${[...pending].length} characters: a tag has at most ${MAX_TAG_CHARS}.`;
  } else if (refusal) {
    hint.textContent = refusal;
  } else if (note) {
    hint.textContent = note;
  } else {
    const count = state.tags.length ? `${state.tags.length} of ${MAX_TAGS} tags. ` : "";
    hint.textContent = `${count}Enter or a comma adds a tag; the Leaderboard filters jobs by them.`;
  }
}

/** The form's problem (run.js: {message, fields}, or null): said under the Tags field too
 * when one of its fields is there, so the reason is read where the fix is. */
export function sayTagProblem(problem) {
  const box = $("tag-box");
  const here = problem && problem.fields.some((field) => box.contains(field.element()));
  const message = here ? problem.message : "";
  if (message === refusal) return;
  refusal = message;
  sayHint();
}

export function bindTags() {
  const input = $("tags-input");
  input.addEventListener("keydown", (event) => {
    if ((event.key === "Enter" || event.key === ",") && !event.isComposing) {
      event.preventDefault();
      commit(input.value);
    } else if (event.key === "Backspace" && !input.value && state.tags.length) {
      removeTag(state.tags.length - 1);
    }
  });
  input.addEventListener("input", () => {
    // A pasted "a, b, c": all but the last part are tags at once.
    const parts = input.value.split(",");
    if (parts.length > 1) {
      const last = parts.pop();
      commit(parts.join(","), last.trimStart());
    }
    sayHint();
  });
  // Typed and left: still meant as a tag.
  input.addEventListener("change", () => commit(input.value));
  $("tag-box").addEventListener("click", (event) => {
    if (event.target === event.currentTarget) input.focus();
  });
  renderTags();
}

/** The address of the Leaderboard view filtered by one job tag. */
export function leaderboardHref(tag) {
  return `?${pageQuery({ ...readFilters(""), tags: [tag] })}`;
}

/** A job's tags as chips, each opening the Leaderboard filtered by it (in this page; with
 * a modifier key the link does what links do). */
export function tagLinks(tags) {
  return (tags || []).map((tag) =>
    h(
      "a",
      { class: "job-tag", href: leaderboardHref(tag), "aria-label": `${tag}: the Leaderboard of the jobs with this tag`, title: `Leaderboard of the jobs tagged “${tag}”`, onclick: (event) => openLeaderboard(event, tag) },
      tag,
    ),
  );
}

function openLeaderboard(event, tag) {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  history.pushState({ library: true }, "", leaderboardHref(tag));
  // The view (library.js) and the job (main.js) follow the address as on Back and Forward.
  window.dispatchEvent(new PopStateEvent("popstate", { state: { library: true } }));
  window.scrollTo(0, 0);
  const title = $("library-title");
  if (title) {
    title.tabIndex = -1;
    title.focus({ preventScroll: true });
  }
}
