// Line diff for notes: which lines a new version adds and removes, and a short excerpt of what is new.
// Myers' O(ND) algorithm on the part between the common prefix and suffix; when the two texts differ in more
// than `maxEdits` lines (a pad replaced wholesale), it falls back to counting lines as multisets, which is
// linear and still says what is new.

export type LineDiff = { added: string[]; removed: string[] };

export function splitLines(text: string): string[] {
  if (text === "") return [];
  return text.replace(/\r\n?/g, "\n").replace(/\n$/, "").split("\n");
}

export function diffLines(before: string, after: string, maxEdits = 4000): LineDiff {
  const a = splitLines(before);
  const b = splitLines(after);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  return myers(midA, midB, maxEdits) ?? multisetDiff(midA, midB);
}

/** Shortest edit script by Myers (1986), with the trace kept to walk back the path; null past maxEdits. */
function myers(a: string[], b: string[], maxEdits: number): LineDiff | null {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return { added: [...b], removed: [...a] };
  const max = Math.min(n + m, maxEdits);
  const offset = max + 1;
  let v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return walkBack(trace, a, b, offset, d);
    }
  }
  return null;
}

function walkBack(trace: Int32Array[], a: string[], b: string[], offset: number, dEnd: number): LineDiff {
  const added: string[] = [];
  const removed: string[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = dEnd; d > 0; d--) {
    const v = trace[d]!;
    const k = x - y;
    const down = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!);
    const prevK = down ? k + 1 : k - 1;
    const prevX = v[offset + prevK]!;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      x--;
      y--;
    }
    if (down) added.push(b[prevY]!);
    else removed.push(a[prevX]!);
    x = prevX;
    y = prevY;
  }
  return { added: added.reverse(), removed: removed.reverse() };
}

function multisetDiff(a: string[], b: string[]): LineDiff {
  const counts = new Map<string, number>();
  for (const line of a) counts.set(line, (counts.get(line) ?? 0) + 1);
  const added: string[] = [];
  for (const line of b) {
    const c = counts.get(line) ?? 0;
    if (c > 0) counts.set(line, c - 1);
    else added.push(line);
  }
  const removed = a.filter((line) => {
    const c = counts.get(line) ?? 0;
    if (c > 0) counts.set(line, c - 1);
    return c > 0;
  });
  return { added, removed };
}

/** The first non-blank added lines, cut at `maxChars` on a line (or word) boundary. */
export function buildExcerpt(added: string[], maxChars = 400): string {
  const lines = added.map((l) => l.trim()).filter((l) => l !== "");
  let out = "";
  for (const line of lines) {
    const next = out ? `${out}\n${line}` : line;
    if (next.length <= maxChars) {
      out = next;
      continue;
    }
    if (!out) {
      const cut = line.slice(0, maxChars - 1);
      out = `${/\s/.test(line[maxChars - 1] ?? " ") ? cut : cut.replace(/\s+\S*$/, "")}…`;
    } else out += "\n…";
    break;
  }
  return out;
}

export function buildDiffSummary(diff: LineDiff): string {
  const plural = (n: number) => (n === 1 ? "line" : "lines");
  const parts = [];
  if (diff.added.length) parts.push(`${diff.added.length} ${plural(diff.added.length)} added`);
  if (diff.removed.length) parts.push(`${diff.removed.length} ${plural(diff.removed.length)} removed`);
  return parts.length ? parts.join(", ") : "whitespace or line-ending changes only";
}
