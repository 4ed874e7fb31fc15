/* A word-level diff of two texts: the longest common subsequence of their words, as runs
 * of kept, deleted and inserted text. Pure functions, no DOM. */

// Above this many cells (words × words, after the common ends are trimmed) the table would
// cost too much memory; the middle is then shown as one deletion and one insertion.
const MAX_CELLS = 4_000_000;

/** Words with the white space that follows each, so joining them gives the text back. */
export function tokens(text) {
  return String(text || "").match(/\S+\s*|\s+/g) || [];
}

/** [{op: "same" | "del" | "ins", text}] turning `before` into `after`, word by word. */
export function wordDiff(before, after) {
  const a = tokens(before);
  const b = tokens(after);
  // Words compare without their trailing white space (a line break is not a change).
  const key = (t) => t.trimEnd();
  let head = 0;
  while (head < a.length && head < b.length && key(a[head]) === key(b[head])) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && key(a[a.length - 1 - tail]) === key(b[b.length - 1 - tail])) tail++;
  const middle = diffMiddle(a.slice(head, a.length - tail), b.slice(head, b.length - tail), key);
  const ops = [...b.slice(0, head).map((text) => ({ op: "same", text })), ...middle];
  ops.push(...b.slice(b.length - tail).map((text) => ({ op: "same", text })));
  return merge(ops);
}

function diffMiddle(a, b, key) {
  const n = a.length;
  const m = b.length;
  if (!n || !m || n * m > MAX_CELLS) {
    return [...a.map((text) => ({ op: "del", text })), ...b.map((text) => ({ op: "ins", text }))];
  }
  // lengths[i][j]: the LCS of a[i:] and b[j:], one flat row-major array.
  const width = m + 1;
  const lengths = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lengths[i * width + j] =
        key(a[i]) === key(b[j])
          ? lengths[(i + 1) * width + j + 1] + 1
          : Math.max(lengths[(i + 1) * width + j], lengths[i * width + j + 1]);
    }
  }
  const ops = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (key(a[i]) === key(b[j])) {
      ops.push({ op: "same", text: b[j] });
      i++;
      j++;
    } else if (lengths[(i + 1) * width + j] >= lengths[i * width + j + 1]) {
      ops.push({ op: "del", text: a[i++] });
    } else {
      ops.push({ op: "ins", text: b[j++] });
    }
  }
  while (i < n) ops.push({ op: "del", text: a[i++] });
  while (j < m) ops.push({ op: "ins", text: b[j++] });
  return ops;
}

/** Neighbouring runs of the same kind joined into one. */
function merge(ops) {
  const runs = [];
  for (const op of ops) {
    const last = runs[runs.length - 1];
    if (last && last.op === op.op) last.text += op.text;
    else runs.push({ ...op });
  }
  return runs;
}
