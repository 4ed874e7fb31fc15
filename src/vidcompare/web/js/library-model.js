/* The cross-job leaderboard's data, shaped for the page: the filters as the address and as the
 * API's query, the forest plot's rows and axis, the heat map's colours. Pure functions (no DOM,
 * no requests), so the tests can call them directly. */

export const BY_VALUES = ["model", "prompt", "prompt_tag"];
export const METRICS = ["rating", "score"];
// The address's repeatable filters and the API's names for them (the same words).
const LISTS = { models: "model", jobs: "job", tags: "tag", promptTags: "prompt_tag" };
const SINGLES = ["judge", "since", "until"];

/** The view's filters from an address's query (location.search); unknown values fall back. */
export function readFilters(search) {
  const params = new URLSearchParams(search);
  const filters = {
    by: BY_VALUES.includes(params.get("by")) ? params.get("by") : "model",
    metric: METRICS.includes(params.get("metric")) ? params.get("metric") : "rating",
  };
  for (const [key, name] of Object.entries(LISTS)) filters[key] = unique(params.getAll(name).filter(Boolean));
  for (const name of SINGLES) filters[name] = params.get(name) || "";
  return filters;
}

function unique(values) {
  return [...new Set(values)];
}

/** The query of GET /api/leaderboard for these filters (no leading "?"). */
export function apiQuery(filters) {
  const params = new URLSearchParams();
  if (filters.by && filters.by !== "model") params.set("by", filters.by);
  for (const [key, name] of Object.entries(LISTS)) for (const value of filters[key] || []) params.append(name, value);
  for (const name of SINGLES) if (filters[name]) params.set(name, filters[name]);
  return params.toString();
}

/** The page's own query for this view: the API's filters, plus what only the page keeps. */
export function pageQuery(filters) {
  const params = new URLSearchParams(apiQuery(filters));
  const query = new URLSearchParams({ view: "leaderboard" });
  for (const [name, value] of params) query.append(name, value);
  if (filters.metric === "score") query.set("metric", "score");
  return query.toString();
}

/** Whether any filter narrows the comparisons (the empty state says which emptiness it is). */
export function isFiltered(filters) {
  return Object.keys(LISTS).some((key) => filters[key].length > 0) || SINGLES.some((name) => filters[name]);
}

// ------------------------------------------------------------------ the forest plot

/** One row per model, in the API's rank order: its point and 95 % interval on `metric`. */
export function forestRows(models, metric) {
  return models.map((m) => {
    const [value, ci] = metric === "score" ? [m.mean_score, m.mean_ci] : [m.rating, m.rating_ci];
    return {
      modelId: m.model_id,
      name: m.model_name || m.model_id,
      value,
      low: ci ? ci[0] : null,
      high: ci ? ci[1] : null,
      connected: m.connected !== false,
    };
  });
}

/** Round ticks covering every interval: {min, max, ticks}; mean scores stay within 0–10. */
export function niceAxis(rows, metric, count = 5) {
  const values = rows.flatMap((r) => [r.low, r.value, r.high]).filter((v) => Number.isFinite(v));
  let [low, high] = values.length ? [Math.min(...values), Math.max(...values)] : metric === "score" ? [0, 10] : [900, 1100];
  if (metric === "rating") [low, high] = [Math.min(low, 1000), Math.max(high, 1000)]; // 1000: the average model
  if (high - low < 1e-9) [low, high] = [low - 1, high + 1];
  const rough = (high - low) / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * power).find((s) => s >= rough);
  let min = Math.floor(low / step) * step;
  let max = Math.ceil(high / step) * step;
  if (metric === "score") [min, max] = [Math.max(0, min), Math.min(10, max)];
  const ticks = [];
  for (let t = min; t <= max + step / 1e6; t += step) ticks.push(Number(t.toFixed(6)));
  return { min, max, ticks };
}

/** Where `value` falls between x0 and x1 on the axis. */
export function project(value, axis, x0, x1) {
  return x0 + ((value - axis.min) / (axis.max - axis.min)) * (x1 - x0);
}

/** The plot's text alternative: who leads, by how much, how sure. */
export function forestSummary(rows, metric) {
  const what = metric === "score" ? "mean score" : "Bradley–Terry rating";
  if (!rows.length) return `No models to plot by ${what}.`;
  const parts = rows.map((r) => `${r.name} ${fmt(r.value, metric)} (95 % CI ${fmt(r.low, metric)}–${fmt(r.high, metric)})${r.connected ? "" : ", not comparable"}`);
  return `${what} per model with 95 % confidence intervals: ${parts.join("; ")}.`;
}

/** A rating as a whole number, a mean score with two decimals, a missing value as a dash. */
export function fmt(value, metric) {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  return metric === "score" ? value.toFixed(2) : String(Math.round(value));
}

// ------------------------------------------------------------------ the heat map

// Viridis (perceptually uniform, readable with every common colour-vision deficiency).
const VIRIDIS = ["#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962", "#addc30", "#fde725"];
export const SCORE_MAX = 10;

function rgb(hex) {
  return [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
}

/** The colour of a mean score (0–10) as "rgb(r, g, b)"; scores outside are clamped. */
export function heatColour(mean) {
  const t = Math.min(1, Math.max(0, mean / SCORE_MAX)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(t));
  const [a, b] = [rgb(VIRIDIS[i]), rgb(VIRIDIS[i + 1])];
  const mix = a.map((c, k) => Math.round(c + (b[k] - c) * (t - i)));
  return `rgb(${mix.join(", ")})`;
}

/** Dark or light text, whichever contrasts more with this background ("rgb(r, g, b)"). */
export function inkOn(colour) {
  const channels = colour.match(/\d+/g).map((c) => {
    const v = Number(c) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  const luminance = 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2];
  // Contrast with white (1.05 / (L + 0.05)) against contrast with near-black #111827 (L ≈ 0.012).
  return 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.062 ? "light" : "dark";
}

/** The matrix as rows of cells: {prompt, cells: [{modelId, mean, n, colour, ink} | {modelId, empty}]}. */
export function heatRows(matrix) {
  if (!matrix || !matrix.prompts) return [];
  return matrix.prompts.map((prompt, p) => ({
    prompt,
    cells: matrix.models.map((modelId, m) => {
      const cell = (matrix.cells[p] || [])[m];
      if (!cell || cell.mean === null || cell.mean === undefined) return { modelId, empty: true };
      const colour = heatColour(cell.mean);
      return { modelId, mean: cell.mean, n: cell.n, colour, ink: inkOn(colour) };
    }),
  }));
}

/** The matrix with its columns in `modelIds` order (the ranking's), any others after them. */
export function rankColumns(matrix, modelIds) {
  const order = [...modelIds.filter((id) => matrix.models.includes(id)), ...matrix.models.filter((id) => !modelIds.includes(id))];
  const from = order.map((id) => matrix.models.indexOf(id));
  return { ...matrix, models: order, cells: matrix.cells.map((row) => from.map((i) => row[i])) };
}

/** Text cut to `max` characters at a word where it can be, with an ellipsis. */
export function truncate(text, max = 60) {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(" ");
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

// ------------------------------------------------------------------ prompt A/B

/** by_prompt as rows with one cell per model (in `modelIds` order) and each model's best
 * prompt marked: {prompt, tag, combinations, cells: [{modelId, mean, ci, n, best, clear} | null]}. */
export function promptRows(byPrompt, winners, modelIds) {
  const bestOf = new Map((winners || []).map((w) => [w.model_id, w]));
  return (byPrompt || []).map((row) => {
    const own = new Map(row.models.map((m) => [m.model_id, m]));
    return {
      prompt: row.prompt,
      tag: row.tag || null,
      combinations: row.combinations,
      cells: modelIds.map((modelId) => {
        const m = own.get(modelId);
        if (!m || m.mean_score === null || m.mean_score === undefined) return null;
        const winner = bestOf.get(modelId);
        const best = Boolean(winner && winner.prompt === row.prompt);
        return { modelId, mean: m.mean_score, ci: m.mean_ci, n: m.n, best, clear: best && winner.clear };
      }),
    };
  });
}
