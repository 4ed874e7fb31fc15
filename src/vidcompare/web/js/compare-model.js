/* Two jobs compared: per model, the mean score in each and the difference; per
 * combination, which job scored higher. Pure functions over two JobResults, no DOM. */

function meanScore(comparison, modelIds) {
  const scores = comparison.evaluation.filter((e) => modelIds.has(e.model_id) && typeof e.score === "number").map((e) => e.score);
  return scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null;
}

function mean(values) {
  const known = values.filter((v) => v !== null);
  return known.length ? known.reduce((a, b) => a + b, 0) / known.length : null;
}

/**
 * Pair the combinations of two results: the same video and prompt; when hardly any match
 * (a prompt A/B test changes the prompts) and both have as many, the same combination
 * number. Returns {pairs: [[a, b]], by: "video and prompt" | "combination number"}.
 */
export function pairCombinations(first, second) {
  const key = (c) => `${c.video_id}\u0000${c.prompt}`;
  const others = new Map(second.comparisons.map((c) => [key(c), c]));
  const same = first.comparisons.filter((c) => others.has(key(c))).map((c) => [c, others.get(key(c))]);
  const sameCount = first.total_combinations === second.total_combinations;
  if (same.length * 2 >= first.comparisons.length || !sameCount) return { pairs: same, by: "video and prompt" };
  const byIndex = new Map(second.comparisons.map((c) => [c.index, c]));
  const pairs = first.comparisons.filter((c) => byIndex.has(c.index)).map((c) => [c, byIndex.get(c.index)]);
  return { pairs, by: "combination number" };
}

/** {by, models: [{id, name, first, second, difference}], combos: [{index, video_id, first, second, higher}], wins} */
export function compareResults(first, second) {
  const { pairs, by } = pairCombinations(first, second);
  const ids = (result) => new Set(result.comparisons.flatMap((c) => c.results.map((r) => r.model_id)));
  const theirs = ids(second);
  const names = new Map(first.comparisons.flatMap((c) => c.results.map((r) => [r.model_id, r.model_name])));
  const common = new Set([...ids(first)].filter((id) => theirs.has(id)));
  const models = [...common].map((id) => {
    const one = new Set([id]);
    const a = mean(pairs.map(([x]) => meanScore(x, one)));
    const b = mean(pairs.map(([, y]) => meanScore(y, one)));
    return { id, name: names.get(id) || id, first: a, second: b, difference: a !== null && b !== null ? b - a : null };
  });
  const combos = pairs
    .map(([x, y]) => {
      const a = meanScore(x, common);
      const b = meanScore(y, common);
      const higher = a === null || b === null ? "unknown" : a > b ? "first" : b > a ? "second" : "tie";
      return { index: x.index, video_id: x.video_id, prompt: x.prompt, otherPrompt: y.prompt, first: a, second: b, higher };
    })
    .sort((p, q) => p.index - q.index);
  const wins = { first: 0, second: 0, tie: 0, unknown: 0 };
  for (const combo of combos) wins[combo.higher] += 1;
  return { by, models, combos, wins };
}
