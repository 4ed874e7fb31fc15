/* Step 2, the prompts: one textarea each (only the first in single mode) with its optional
 * tag beside it (e.g. "A" and "B" for two variants of a prompt), + Add prompt, and the
 * preset chips. */
import { $, h, removeButton } from "./dom.js";
import { updateRun } from "./run.js";
import { appendPrompt, removePrompt, setPrompt, setPromptTag, state, usePrompt } from "./state.js";

const PRESETS = [
  ["Describe", "Describe what happens in the video, with timestamps."],
  ["Scene cuts", "When are the scene cuts?"],
  ["Colours", "Which colours dominate, and when do they change?"],
  ["Motion", "How much motion is there, and when?"],
  ["Audio", "Is there sound? Describe the audio over time."],
  ["Summary", "Summarise the video in three sentences."],
];

export function renderPrompts() {
  const list = $("prompt-list");
  list.replaceChildren();
  state.prompts.forEach((text, index) => {
    const area = h("textarea", {
      rows: 2,
      "aria-label": `Prompt ${index + 1}`,
      placeholder: index === 0 ? "Ask something about the videos…" : "Another prompt…",
      oninput: (event) => {
        setPrompt(index, event.target.value);
        updateRun();
      },
    });
    area.value = text;
    const tag = promptTagInput(`Prompt ${index + 1}'s tag`, state.promptTags[index], (value) => setPromptTag(index, value));
    const remove = removeButton("prompt", index + 1, () => {
      removePrompt(index);
      renderPrompts();
      updateRun();
    });
    const hidden = !state.batch && index > 0;
    list.append(h("li", { class: `prompt${hidden ? " hidden-in-single" : ""}` }, area, tag, remove));
  });
}

/** The small optional tag input beside a prompt (or a pair's prompt). */
export function promptTagInput(label, value, onChange) {
  const input = h("input", {
    type: "text",
    class: "prompt-tag",
    "aria-label": label,
    placeholder: "tag (A/B)",
    autocomplete: "off",
    spellcheck: "false",
    title: "Optional: the prompt's tag, to compare prompt variants on the Leaderboard",
    oninput: (event) => {
      onChange(event.target.value);
      updateRun();
    },
  });
  input.value = value || "";
  return input;
}

function addPrompt(text) {
  usePrompt(text);
  renderPrompts();
  updateRun();
}

export function bindPrompts() {
  $("add-prompt").addEventListener("click", () => {
    appendPrompt();
    renderPrompts();
    updateRun();
    const areas = $("prompt-list").querySelectorAll("textarea");
    areas[areas.length - 1].focus();
  });
  const presets = $("presets");
  for (const [label, text] of PRESETS) {
    presets.append(h("button", { type: "button", class: "chip", title: text, onclick: () => addPrompt(text) }, label));
  }
}
