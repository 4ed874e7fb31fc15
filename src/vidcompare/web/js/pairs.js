/* Exact pairs: a job that ran `pairs` (each video with its own prompt) comes back into the
 * form as those pairs, each prompt editable, each pair removable; or as videos × prompts. */
import { $, h, removeButton } from "./dom.js";
import { plural } from "./format.js";
import { promptTagInput } from "./prompts.js";
import { updateRun } from "./run.js";
import { removePair, setPairPrompt, setPairTag, state, videoName } from "./state.js";

export function renderPairs() {
  const on = Boolean(state.pairs);
  $("step-pairs").hidden = !on;
  $("setup-grid").classList.toggle("has-pairs", on);
  const list = $("pair-list");
  if (!on) {
    list.replaceChildren();
    return;
  }
  $("pairs-note").textContent = `${plural(state.pairs.length, "pair")}, each video with its own prompt, as the job ran them.`;
  list.replaceChildren(
    ...state.pairs.map((pair, index) => {
      const area = h("textarea", {
        rows: 2,
        "aria-label": `Pair ${index + 1}'s prompt`,
        oninput: (event) => {
          setPairPrompt(index, event.target.value);
          updateRun();
        },
      });
      area.value = pair.prompt;
      const tag = promptTagInput(`Pair ${index + 1}'s tag`, pair.tag, (value) => setPairTag(index, value));
      const name = videoName(pair.video_id);
      const remove = removeButton("pair", index + 1, () => {
        removePair(index);
        renderPairs();
        updateRun();
      });
      return h("li", { class: "pair" }, h("span", { class: "pair-video", title: name }, name), area, tag, remove);
    }),
  );
}
