// `npm start`: migrate the local D1, load and publish data/events/, then serve on 127.0.0.1:8787.
// `npm start -- --port 8788 --persist-to DIR` serves another port from another local state (used by e2e tests).
// Secrets and settings come from .dev.vars when it exists, from .dev.vars.example otherwise.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { parseArgs, parseEnv } from "node:util";

const { values } = parseArgs({
  options: { port: { type: "string", default: "8787" }, "persist-to": { type: "string", default: ".wrangler/state" } },
});
const persist = ["--persist-to", values["persist-to"]];
const env = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_HIDE_BANNER: "true",
};

function run(command: string, args: string[]) {
  const result = spawnSync(command, args, { stdio: "inherit", env });
  if (result.status !== 0) {
    console.error(`start: ${command} ${args.join(" ")} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status ?? 1);
  }
}

run("wrangler", ["d1", "migrations", "apply", "DB", "--local", ...persist]);
const baseUrl = `http://127.0.0.1:${values.port}`;
run(process.execPath, ["scripts/seed.ts", ...persist, "--base-url", baseUrl]);

const varsFile = existsSync(".dev.vars") ? ".dev.vars" : ".dev.vars.example";
const vars = varsFile === ".dev.vars" ? [] : ["--env-file", varsFile];
// A loopback http address, which only development allows for mail (src/config.ts), whatever .dev.vars says.
const base = ["--var", `PUBLIC_BASE_URL:${baseUrl}`, "--var", "ENVIRONMENT:development"];
// Wrangler loads from a vars file only what wrangler.toml declares, and OUTBOUND_ALLOW_LOOPBACK must never be
// declared there: it is handed over from the file explicitly (development only; src/config.ts refuses it otherwise).
const allowLoopback = parseEnv(readFileSync(varsFile, "utf8")).OUTBOUND_ALLOW_LOOPBACK;
if (allowLoopback) base.push("--var", `OUTBOUND_ALLOW_LOOPBACK:${allowLoopback}`);
const dev = spawn("wrangler", ["dev", "--ip", "127.0.0.1", "--port", values.port, ...persist, ...vars, ...base], {
  stdio: "inherit",
  env,
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
