// `npm start`: migrate the local D1, load and publish data/events/, then serve on 127.0.0.1:8787.
import { spawn, spawnSync } from "node:child_process";

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

run("wrangler", ["d1", "migrations", "apply", "DB", "--local"]);
run(process.execPath, ["scripts/seed.ts"]);

const port = process.env.PORT ?? "8787";
const dev = spawn("wrangler", ["dev", "--ip", "127.0.0.1", "--port", port, ...process.argv.slice(2)], {
  stdio: "inherit",
  env,
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
