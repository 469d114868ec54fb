// The bench in CI, as a smoke test only: `npm run bench -- --smoke` (1 s per read row, fan-out up to 1,000
// subscribers) must produce every row of every section and exit 0. Its targets are printed, not enforced here:
// timings on a shared CI machine are noise (the README's table comes from a whole run on an idle machine).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";

function runBench(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["scripts/bench.ts", "--smoke"], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, output }));
  });
}

/** The table's rows as [section, row] pairs. */
const listRows = (output: string) =>
  output
    .split("\n")
    .filter((line) => line.startsWith("| ") && !line.startsWith("| section"))
    .map((line) => line.split("|").map((cell) => cell.trim()))
    .map((cells) => [cells[1]!, cells[2]!] as const);

describe("bench", () => {
  it("produces every row in smoke mode", { timeout: 600_000 }, async () => {
    const { code, output } = await runBench();
    expect(code, output).toBe(0);
    const rows = listRows(output);
    expect(
      rows.filter(([, name]) => name === "failed"),
      output,
    ).toEqual([]);
    const names = rows.map(([section, name]) => `${section}: ${name}`);
    for (const expected of [
      /^reads: constant \(\/healthz\), 10 conn$/,
      /^reads: constant \(\/healthz\), 50 conn$/,
      ...["rss", "atom", "json"].flatMap((f) => [
        new RegExp(`^reads: all feed ${f}, 50 conn$`),
        new RegExp(`^reads: session feed ${f}, 10 conn$`),
      ]),
      /^reads: event feed 304 \(ETag\), 10 conn$/,
      /^reads: API changes, 50 conn$/,
      /^reads: (index|event|session) page, 10 conn$/,
      // The conference is built from ../shared/samples; without them the bench says so and skips it.
      ...(existsSync("../shared/samples")
        ? [/^conference: import and publish \d[\d,]* sessions$/, /^conference: conference event page, 50 conn$/]
        : []),
      /^bundle: deployed Worker, minified$/,
      /^bundle: start-up/,
      /^webhook ack: unique ids, 10 conn$/,
      /^webhook ack: 30% duplicates: cost per ack$/,
      /^change latency: /,
      /^fan-out: 1,000 subscribers/,
      /^fan-out: cost per 100,000/,
    ])
      expect(
        names.some((n) => expected.test(n)),
        `${expected} in:\n${names.join("\n")}`,
      ).toBe(true);
  });
});
