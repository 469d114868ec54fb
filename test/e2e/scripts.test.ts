// The README's helper scripts as a person runs them, without a Worker: `npm run webhook` reaches the server it is
// pointed at (--port, as `npm start -- --port` was given, or --base) with a valid Standard Webhooks signature,
// and `npm run import -- … --out` writes the event whole, whether or not npm prints its banner.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { type IncomingHttpHeaders, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** .dev.vars.example's key: the one the script signs with when there is no .dev.vars. */
const DEV_SECRET = "whsec_c2Vzc2lvbndpcmUtbG9jYWwtZGV2ZWxvcG1lbnQta2V5";
const HAS_DEV_VARS = existsSync(".dev.vars");

type Received = { path: string; headers: IncomingHttpHeaders; body: string };
const received: Received[] = [];
const server = createServer((req, res) => {
  let body = "";
  req.on("data", (chunk) => (body += chunk));
  req.on("end", () => {
    received.push({ path: req.url ?? "", headers: req.headers, body });
    res.writeHead(202, { "content-type": "application/json" }).end('{"status":"queued"}');
  });
});
let port: number;
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Runs the script asynchronously: the test's own HTTP server must keep answering meanwhile. */
function runWebhook(args: string[]): Promise<{ status: number | null; output: string }> {
  const notes = ["--event", "xen-design-sessions-2019", "--session", "xen-distros", "--url", "https://hackmd.io/x"];
  const child = spawn(process.execPath, ["scripts/webhook.ts", ...notes, ...args]);
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  return new Promise((resolve) => child.on("close", (status) => resolve({ status, output })));
}

describe("npm run webhook", () => {
  it.each([
    ["--port", () => ["--port", String(port)]],
    ["--base", () => ["--base", `http://localhost:${port}`]],
  ])("sends a signed notes event to the server %s names", async (_, args) => {
    received.splice(0);
    const { status, output } = await runWebhook(args());
    expect(status, output).toBe(0);
    expect(output).toContain("202");
    expect(received).toHaveLength(1);
    const [delivery] = received;
    expect(delivery!.path).toBe("/webhooks/notes");
    if (!HAS_DEV_VARS) {
      const verified = new Webhook(DEV_SECRET).verify(delivery!.body, delivery!.headers as Record<string, string>);
      expect(verified).toMatchObject({ type: "notes.updated", session: "xen-distros", url: "https://hackmd.io/x" });
    }
  });

  it("refuses --port and --base together, and a port that is not a number, before sending anything", async () => {
    received.splice(0);
    for (const args of [
      ["--port", String(port), "--base", `http://127.0.0.1:${port}`],
      ["--port", "eighty"],
    ]) {
      const { status, output } = await runWebhook(args);
      expect(status, output).toBe(2);
      expect(output).toMatch(/^webhook: (give --port or --base, not both|--port must be a port number)/);
      expect(output).toContain("usage: npm run webhook");
    }
    expect(received).toEqual([]);
  });
});

describe("npm run import --out", () => {
  const dir = mkdtempSync(join(tmpdir(), "sessionwire-import-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const args = ["data/sources/design-sessions-2019.txt", "--event", "x-2019", "--title", "X 2019"];

  it("writes the event to the file, the same JSON as on stdout, with npm's banner kept out of it", () => {
    const out = join(dir, "x-2019.json");
    const viaNpm = spawnSync("npm", ["run", "import", "--", ...args, "--out", out], { encoding: "utf8" });
    expect(viaNpm.status, viaNpm.stderr).toBe(0);
    expect(viaNpm.stdout).toContain("> sessionwire@"); // the banner -s would hide: not in the file
    const stdout = spawnSync(process.execPath, ["scripts/import.ts", ...args], { encoding: "utf8" });
    expect(stdout.status, stdout.stderr).toBe(0);
    expect(readFileSync(out, "utf8")).toBe(stdout.stdout);
    expect((JSON.parse(stdout.stdout) as { sessions: unknown[] }).sessions).toHaveLength(21);
  });

  it("writes nothing, not even a partial file, when the document cannot be read", () => {
    const out = join(dir, "broken.json");
    const run = spawnSync(
      process.execPath,
      ["scripts/import.ts", "test/fixtures/import/ics/truncated.ics", "--event", "x", "--title", "X", "--out", out],
      { encoding: "utf8" },
    );
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^import: test\/fixtures\/import\/ics\/truncated\.ics: /);
    expect(readdirSync(dir).filter((f) => f.startsWith("broken"))).toEqual([]);
  });
});
