// Starts the real `npm start` (migrations, seed, wrangler dev) on a free port with its own local state,
// in its own process group so that both workerd processes stop with it.
import { type ChildProcess, type SpawnSyncReturns, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type Server = { url: string; stateDir: string; output: () => string; stop: () => Promise<void> };

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      s.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

export async function startServer(timeoutMs = 150_000): Promise<Server> {
  const port = await freePort();
  const stateDir = mkdtempSync(join(tmpdir(), "sessionwire-e2e-"));
  let output = "";
  const child: ChildProcess = spawn(
    process.execPath,
    ["scripts/start.ts", "--port", String(port), "--persist-to", stateDir],
    { detached: true, stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {}
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {}
    }
    rmSync(stateDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { url, stateDir, output: () => output, stop };
    } catch {}
    await new Promise((r) => setTimeout(r, 500));
  }
  await stop();
  throw new Error(`npm start did not serve ${url}/healthz:\n${output}`);
}

/** `npm run webhook` as the README shows it: notes text for a session's notes link, signed, to the server's port. */
export function sendNotesWebhook(
  server: Server,
  notes: { event: string; session: string; url: string; text: string },
): SpawnSyncReturns<string> {
  const file = join(mkdtempSync(join(tmpdir(), "sessionwire-notes-")), "notes.md");
  writeFileSync(file, notes.text);
  const args = ["--port", new URL(server.url).port, "--event", notes.event, "--session", notes.session];
  return spawnSync(process.execPath, ["scripts/webhook.ts", ...args, "--url", notes.url, "--text-file", file], {
    encoding: "utf8",
  });
}
