/* The results as table rows (one per combination, one cell per model), and the filtering
 * and sorting of those rows. Pure functions over a JobResult, no DOM: the table, the
 * detail view and the benchmark all use the same rows. */

/** The models of a result, in the order the job ran them: [{id, name}]. */
export function resultModels(result) {
  const models = new Map();
  for (const comparison of result.comparisons) {
    for (const r of comparison.results) if (!models.has(r.model_id)) models.set(r.model_id, r.model_name || r.model_id);
  }
  return [...models].map(([id, name]) => ({ id, name }));
}

/** One row per comparison, sorted by combination number. `videoName(id)` names a video. */
export function buildRows(result, videoName) {
  return [...result.comparisons].sort((a, b) => a.index - b.index).map((comparison) => buildRow(comparison, videoName));
}

function buildRow(comparison, videoName) {
  const evaluations = new Map(comparison.evaluation.map((e) => [e.model_id || e.model_name, e]));
  const cells = new Map();
  for (const r of comparison.results) {
    const e = evaluations.get(r.model_id) || evaluations.get(r.model_name) || null;
    const score = e && typeof e.score === "number" ? e.score : null;
    const text = [r.response, r.error, e && e.reasoning, ...((e && e.strengths) || []), ...((e && e.weaknesses) || [])];
    cells.set(r.model_id, {
      result: r,
      evaluation: e,
      score,
      latencyMs: r.latency_ms,
      error: r.error || null,
      haystack: text.filter(Boolean).join("\n").toLowerCase(),
    });
  }
  const video = videoName(comparison.video_id);
  return {
    index: comparison.index,
    number: comparison.index + 1,
    videoId: comparison.video_id,
    video,
    prompt: comparison.prompt,
    comparison,
    cells,
    // The judge's best answer changed when it saw the answers in the other order.
    disagreement: comparison.position_consistent === false,
    judgeError: Boolean(comparison.judge_error),
    haystack: [video, comparison.prompt, comparison.overall_summary].filter(Boolean).join("\n").toLowerCase(),
  };
}

/** No filter at all: every row, every model. */
export function noFilters() {
  return { model: "", video: "", prompt: "", minScore: null, maxScore: null, errorsOnly: false, disagreement: false, search: "" };
}

/** The model ids whose columns show (a model filter shows that one only). */
export function shownModels(models, filters) {
  const ids = models.map((m) => m.id);
  return filters.model && ids.includes(filters.model) ? [filters.model] : ids;
}

/** The rows that pass every filter; score range, errors and search look at the shown models. */
export function filterRows(rows, models, filters) {
  const ids = shownModels(models, filters);
  const terms = String(filters.search || "").toLowerCase().split(/\s+/).filter(Boolean);
  const hasRange = filters.minScore !== null || filters.maxScore !== null;
  const low = filters.minScore ?? -Infinity;
  const high = filters.maxScore ?? Infinity;
  return rows.filter((row) => {
    if (filters.video && row.videoId !== filters.video) return false;
    if (filters.prompt && row.prompt !== filters.prompt) return false;
    if (filters.disagreement && !row.disagreement) return false;
    const cells = ids.map((id) => row.cells.get(id)).filter(Boolean);
    if (filters.errorsOnly && !row.judgeError && !cells.some((c) => c.error)) return false;
    if (hasRange && !cells.some((c) => c.score !== null && c.score >= low && c.score <= high)) return false;
    if (terms.length) {
      const text = `${row.haystack}\n${cells.map((c) => c.haystack).join("\n")}`;
      if (!terms.every((term) => text.includes(term))) return false;
    }
    return true;
  });
}

/** The columns one can sort by: "number", "video", "prompt", or a model id (its score). */
export function sortRows(rows, key, direction) {
  const sign = direction === "descending" ? -1 : 1;
  const value = sortValue(key);
  // Copy, then a stable sort: equal values keep the combination order. Rows without a
  // value (an error, no score) go last whichever the direction.
  return [...rows].sort((a, b) => {
    const x = value(a);
    const y = value(b);
    if (x === null || y === null) return x === y ? a.index - b.index : x === null ? 1 : -1;
    const order = typeof x === "string" ? x.localeCompare(y) : x - y;
    return order ? sign * order : a.index - b.index;
  });
}

function sortValue(key) {
  if (key === "number") return (row) => row.index;
  if (key === "video") return (row) => row.video;
  if (key === "prompt") return (row) => row.prompt;
  return (row) => {
    const cell = row.cells.get(key);
    return cell ? cell.score : null;
  };
}

/** How a score reads in words, so that colour is not the only cue. */
export function scoreLabel(score) {
  if (score === null || score === undefined) return "unscored";
  return score >= 8 ? "good" : score >= 5 ? "fair" : "poor";
}
