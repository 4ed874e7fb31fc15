/* Step 3, the judge select: "Automatic" (what the server picks), then the server's default
 * judges, then the others, each named as its model is. */
import { $, h } from "./dom.js";
import { catalogModels, state } from "./state.js";

/** A judge by its model's name when it has one ("Gemini 3.8 Flash", not "… (judge)"). */
function judgeName(judge) {
  const model = catalogModels().find((m) => m.model_id === judge.judge_id);
  return model ? model.display_name : judge.display_name;
}

function judgeLabel(judge) {
  if (judge.offline) return `${judgeName(judge)} (offline)`;
  return judge.deprecated ? `${judgeName(judge)} (deprecated)` : judgeName(judge);
}

export function renderJudges() {
  const select = $("judge-select");
  const catalog = state.catalog;
  select.disabled = !catalog;
  if (!catalog) {
    select.replaceChildren(h("option", { value: "" }, "Automatic (the server's default)"));
    return;
  }
  const byId = new Map(catalog.judges.map((j) => [j.judge_id, j]));
  const first = [catalog.default_judge, catalog.gemini_judge].filter((id) => byId.has(id));
  const order = [...new Set([...first, ...byId.keys()])];
  const name = (id) => (byId.has(id) ? judgeName(byId.get(id)) : id);
  const automatic =
    !catalog.gemini_judge || catalog.default_judge === catalog.gemini_judge
      ? `Automatic (${name(catalog.default_judge)})`
      : `Automatic (${name(catalog.default_judge)}; ${name(catalog.gemini_judge)} with Gemini models)`;
  select.replaceChildren(
    h("option", { value: "" }, automatic),
    ...order.map((id) => h("option", { value: id }, judgeLabel(byId.get(id)))),
  );
  select.value = state.judge;
}
