/* The estimate under the Run button: the API's dry run of exactly the batch the form
 * describes (time, calls, cost, warnings such as a deprecated model). A 400 is the server
 * refusing the form: kept as the refusal (its fields said as the form says them), which
 * keeps Run off until a dry run passes. Asked 300 ms after the last edit; only the newest
 * answer counts. */
import { api } from "./api.js";
import { $, h } from "./dom.js";
import { explain, formMap, refusedFields } from "./fields.js";
import { fmtCost, fmtSeconds, plural } from "./format.js";
import { batchBody } from "./state.js";

let estimateSeq = 0;
let estimateTimer = null;
let refusal = null; // {message, fields, body} of the server's last 400, for that body
let refusalChanged = () => {};

/** Who redraws the run bar when the server's refusal comes or goes. */
export function onRefusalChange(handler) {
  refusalChanged = handler;
}

const bodyKey = () => JSON.stringify(batchBody(false));

/** The server's refusal, while the form is the one it refused (an edit may have mended it:
 * the next dry run says). */
export function currentRefusal() {
  return refusal && refusal.body === bodyKey() ? refusal : null;
}

/** The server refused the form as it was when sent (a dry run or Run itself answered 400);
 * map: formMap() then. */
export function setRefusal(error, map, body) {
  refusal = error ? { message: explain(error.message, map), fields: refusedFields(error, map), body } : null;
  refusalChanged();
  return refusal;
}

/** Ask again shortly (each edit restarts the wait). */
export function scheduleEstimate() {
  clearTimeout(estimateTimer);
  estimateTimer = setTimeout(runEstimate, 300);
}

/** Nothing to estimate (the form is incomplete): empty, and a late answer is dropped. */
export function clearEstimate() {
  clearTimeout(estimateTimer);
  estimateSeq += 1;
  refusal = null;
  const estimate = $("estimate");
  estimate.replaceChildren();
  estimate.classList.remove("error");
  delete estimate.dataset.seconds;
}

async function runEstimate() {
  const seq = ++estimateSeq;
  const estimate = $("estimate");
  estimate.dataset.state = "loading";
  const map = formMap();
  const body = bodyKey();
  try {
    const answer = await api("POST", "/api/batch-compare-async", batchBody(true));
    if (seq !== estimateSeq) return;
    if (refusal) setRefusal(null);
    const bases = new Set(answer.per_model.map((row) => row.basis));
    // What the server assumed where nothing was measured (1 s offline, 15 s remote).
    const assumed = [
      ...new Set(
        answer.per_model.filter((row) => row.basis !== "measured").map((row) => row.seconds_per_call),
      ),
    ]
      .map((seconds) => `${seconds} s`)
      .join(" or ");
    const basis =
      bases.size === 1 && bases.has("measured")
        ? "from the latencies measured in your earlier jobs, + 20 %"
        : bases.has("measured")
          ? `measured latencies where known, else ${assumed} per call; + 20 %`
          : `${assumed} per model call + 20 %; nothing measured yet`;
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
    delete estimate.dataset.seconds;
    estimate.dataset.state = "error";
    if (error.status === 400) {
      // Said next to Run, which it keeps off; not twice.
      estimate.classList.remove("error");
      estimate.replaceChildren();
      setRefusal(error, map, body);
      return;
    }
    // The server could not answer (this says nothing of the form): Run stays as it was.
    estimate.classList.add("error");
    estimate.textContent = error.message;
  }
}
