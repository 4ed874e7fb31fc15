/* Step 3, the models: GET /api/models (the offline models and each provider's live
 * catalogue), one checkbox per model with its price and lifecycle, why a provider is
 * unavailable, and the parallel lanes. A catalogue that cannot load is said here, with a
 * way to try again. */
import { api, ApiError } from "./api.js";
import { $, h } from "./dom.js";
import { renderJudges } from "./judges.js";
import { renderMode } from "./mode.js";
import { updateRun } from "./run.js";
import {
  catalogModels,
  chooseModel,
  maxModels,
  setCatalog,
  setCatalogError,
  setConcurrency,
  setJudge,
  state,
} from "./state.js";

// Only how each provider is described is kept here; the models themselves are the server's.
const PROVIDERS = {
  local: { tag: "offline", note: "measured from the video itself, no key needed", name: "Offline" },
  gemini: { tag: "Gemini", note: "offered by the server's Gemini API key or project", name: "Gemini" },
};

let catalogSeq = 0;

function providerOf(item) {
  const known = PROVIDERS[item.provider];
  if (known) return known;
  return item.offline
    ? { tag: "offline", note: "runs on the server, no key needed" }
    : { tag: item.provider, note: `needs ${item.provider} credentials on the server` };
}

/** GET /api/models: the models and judges to offer. A failure is said in the models step. */
export async function loadModels() {
  const seq = ++catalogSeq;
  setCatalogError("");
  renderModels();
  try {
    const catalog = await api("GET", "/api/models");
    if (seq !== catalogSeq) return;
    if (!catalog || !Array.isArray(catalog.models) || !Array.isArray(catalog.judges)) {
      throw new ApiError("The server's answer is not a model list.", 0, "");
    }
    setCatalog(catalog);
  } catch (error) {
    if (seq !== catalogSeq) return;
    setCatalogError(`Could not load the list of models: ${error.message}`);
  }
  renderModels();
  renderJudges();
  renderMode();
  updateRun();
}

export function renderModels() {
  const list = $("model-list");
  const hint = $("model-hint");
  if (!state.catalog) {
    list.replaceChildren(
      state.catalogError
        ? h(
            "div",
            { class: "models-error", role: "alert" },
            h("span", { id: "models-error-text" }, state.catalogError),
            " ",
            h("button", { type: "button", class: "link-button", onclick: loadModels }, "Try again"),
          )
        : h("p", { class: "muted models-loading" }, "Loading the models…"),
    );
    hint.textContent = `Choose up to ${maxModels()} models; they run in parallel.`;
    hint.classList.remove("limit");
    return;
  }
  list.replaceChildren(...providerNotes());
  const max = maxModels();
  const full = state.models.size >= max;
  for (const model of catalogModels()) {
    const checked = state.models.has(model.model_id);
    const disabled = full && !checked;
    const provider = providerOf(model);
    list.append(
      h(
        "label",
        {
          class: `pick${checked ? " checked" : ""}${disabled ? " disabled" : ""}`,
          dataset: { modelId: model.model_id },
          title: disabled ? `At most ${max} models per batch` : provider.note,
        },
        h("input", {
          type: "checkbox",
          value: model.model_id,
          checked,
          disabled,
          onchange: (event) => {
            if (!chooseModel(model.model_id, event.target.checked)) {
              event.target.checked = false;
              return;
            }
            renderModels();
            updateRun();
          },
        }),
        h(
          "span",
          { class: "pick-main" },
          h(
            "span",
            { class: "pick-title" },
            model.display_name,
            h("span", { class: `tag${model.offline ? " tag-offline" : ""}` }, provider.tag),
            model.deprecated ? h("span", { class: "tag tag-deprecated" }, "deprecated") : null,
          ),
          h("span", { class: "pick-sub" }, [model.model_id, priceNote(model) || provider.note].join(" · ")),
          model.deprecated ? h("span", { class: "pick-warn" }, lifecycleNote(model)) : null,
        ),
      ),
    );
  }
  hint.textContent = full
    ? `${max} of ${max} models chosen — that is the most a batch can run.`
    : `Choose up to ${max} models (${state.models.size} chosen); they run in parallel.`;
  hint.classList.toggle("limit", full);
}

/** "deprecated, shuts down 2027-05-07, use gemini-3.5-flash-lite" */
function lifecycleNote(item) {
  const parts = ["Deprecated"];
  if (item.shutdown_date) parts.push(`shuts down ${item.shutdown_date}`);
  if (item.successor) parts.push(`use ${item.successor}`);
  return parts.join(", ");
}

/** List prices per million tokens, when the server knows them. */
function priceNote(model) {
  if (!model.price) return model.offline ? "" : "no price known";
  const usd = (x) => `$${x < 0.1 ? x : x.toFixed(2)}`;
  let note = `${usd(model.price.input)} in / ${usd(model.price.output)} out per 1M tokens`;
  if (model.price_until && model.next_price) {
    note += ` until ${model.price_until}, then ${usd(model.next_price.input)} / ${usd(model.next_price.output)}`;
  }
  return note;
}

/** Where each live catalogue came from, when it is not the API's own answer. */
function providerNotes() {
  const notes = [];
  for (const status of (state.catalog && state.catalog.providers) || []) {
    const name = (PROVIDERS[status.provider] || { name: status.provider }).name;
    if (!status.available) {
      notes.push(h("p", { class: "provider-note", dataset: { provider: status.provider } },
        `${name} models are unavailable: `, withCode(status.message)));
    } else if (status.source === "fallback") {
      notes.push(h("p", { class: "provider-note", dataset: { provider: status.provider } },
        `${name}: `, withCode(status.message)));
    }
  }
  return notes;
}

/** The server's text with each `command` in backticks as <code> (built as nodes: the
 * text never becomes markup). An unpaired backtick stays as it is. */
export function withCode(text) {
  const pieces = String(text || "").split("`");
  if (pieces.length % 2 === 0) return [text]; // an odd number of backticks: no pairs to trust
  return pieces.map((piece, i) => (i % 2 ? h("code", {}, piece) : piece)).filter((piece) => piece !== "");
}

/** The judge select and the lanes input change the state as they are edited. */
export function bindModels() {
  const select = $("judge-select");
  renderJudges();
  select.addEventListener("change", () => {
    setJudge(select.value);
    updateRun();
  });
  const lanes = $("concurrency");
  const auto = $("concurrency-auto");
  // "auto": lanes paced by the models' shared quota; the number waits for its return.
  let number = state.concurrency === "auto" ? "1" : state.concurrency;
  const show = () => {
    auto.checked = state.concurrency === "auto";
    lanes.disabled = auto.checked;
    lanes.value = auto.checked ? number : state.concurrency;
    $("concurrency-auto-hint").hidden = !auto.checked;
  };
  show();
  lanes.addEventListener("input", () => {
    number = lanes.value;
    setConcurrency(lanes.value);
    updateRun();
  });
  auto.addEventListener("change", () => {
    setConcurrency(auto.checked ? "auto" : number);
    show();
    updateRun();
  });
}
