/* The estimate under the Run button: the API's dry run of exactly the batch the form
 * describes (time, calls, cost, warnings such as a deprecated model), or its refusal in the
 * server's words. Asked 300 ms after the last edit; only the newest answer is shown. */
import { api } from "./api.js";
import { $, h } from "./dom.js";
import { fmtCost, fmtSeconds, plural } from "./format.js";
import { batchBody } from "./state.js";

let estimateSeq = 0;
let estimateTimer = null;

/** Ask again shortly (each edit restarts the wait). */
export function scheduleEstimate() {
  clearTimeout(estimateTimer);
  estimateTimer = setTimeout(runEstimate, 300);
}

/** Nothing to estimate (the form is incomplete): empty, and a late answer is dropped. */
export function clearEstimate() {
  clearTimeout(estimateTimer);
  estimateSeq += 1;
  const estimate = $("estimate");
  estimate.replaceChildren();
  estimate.classList.remove("error");
  delete estimate.dataset.seconds;
}

async function runEstimate() {
  const seq = ++estimateSeq;
  const estimate = $("estimate");
  estimate.dataset.state = "loading";
  try {
    const answer = await api("POST", "/api/batch-compare-async", batchBody(true));
    if (seq !== estimateSeq) return;
    const bases = new Set(answer.per_model.map((row) => row.basis));
    const basis =
      bases.size === 1 && bases.has("measured")
        ? "from the latencies measured in your earlier jobs, + 20 %"
        : bases.has("measured")
          ? "measured latencies where known, else 15 s per model call; + 20 %"
          : "15 s per model call + 20 %; nothing measured yet";
    const cost = answer.estimated_cost_usd ? ` · about ${fmtCost(answer.estimated_cost_usd)}` : "";
    const unpriced = (answer.unpriced_models || []).length
      ? ` (no price known for ${answer.unpriced_models.join(", ")})`
      : "";
    // "models[2]: gemini-3.7-flash is deprecated; use …": the model says which field.
    const warnings = (answer.warnings || []).map((w) =>
      h("span", { class: "estimate-warning" }, w.replace(/^[\w\[\]]+: /, "")),
    );
    estimate.classList.remove("error");
    estimate.replaceChildren(
      "Estimated time ",
      h("strong", { id: "estimate-time" }, `≈ ${fmtSeconds(answer.estimated_seconds)}`),
      ` (${basis}) · ${plural(answer.model_calls, "model call")} + ${plural(answer.judge_calls, "judge call")}${cost}${unpriced}`,
      ...warnings,
    );
    estimate.dataset.seconds = String(answer.estimated_seconds);
    estimate.dataset.state = "ready";
  } catch (error) {
    if (seq !== estimateSeq) return;
    estimate.classList.add("error");
    estimate.textContent = error.message;
    delete estimate.dataset.seconds;
    estimate.dataset.state = "error";
  }
}
