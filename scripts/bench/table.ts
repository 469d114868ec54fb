// The bench's one table: every section returns rows, the runner prints them together and fails the run when a
// row misses its target. A row's ratio is to the constant route (/healthz) measured in the same run.

export type Row = {
  section: string;
  name: string;
  /** The figure itself, formatted with its unit ("7,512 req/s", "12 ms", "1,235 KiB"). */
  value: string;
  /** req/s as a share of the constant route's, where that comparison means something. */
  ratio?: number;
  /** The target in words ("≥ 85% of constant"); absent when the row only reports. */
  target?: string;
  /** Whether the target was met; absent when the row has no target, or a target that is only a label. */
  met?: boolean;
  /** What else the reader needs: latency, costs, counts. */
  note?: string;
};

/** A row not held to a target still fails when it got answers it did not expect (errors, timeouts, another status). */
export const requireExpectedAnswers = (unexpected: number): Pick<Row, "target" | "met"> =>
  unexpected ? { target: "expected answers", met: false } : {};

export const formatCount = (n: number) => Math.round(n).toLocaleString("en-US");
export const formatSize = (bytes: number) =>
  bytes < 10 * 1024 ? `${formatCount(bytes)} B` : `${formatCount(bytes / 1024)} KiB`;

export function renderTable(rows: Row[]): string {
  const cells = rows.map((r) => [
    r.section,
    r.name,
    r.value,
    r.ratio === undefined ? "" : `${(r.ratio * 100).toFixed(0)}%`,
    r.target === undefined ? "" : r.met === undefined ? r.target : `${r.target} ${r.met ? "ok" : "MISSED"}`,
    r.note ?? "",
  ]);
  const head = ["section", "row", "value", "vs constant", "target", "notes"];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((v, i) => v.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(head), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...cells.map(line)].join("\n");
}
