// Loads the catalogues in data/events/ that the local D1 does not hold yet, and publishes to the local KV,
// through the same code the Worker runs. An event already in D1 is never overwritten (edits made through the
// API, webhooks and the pipeline survive a restart), so a second run adds nothing and writes nothing.
// Vars come from .dev.vars, else .dev.vars.example (as for `npm start`); --base-url overrides PUBLIC_BASE_URL.
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { getPlatformProxy } from "wrangler";
import { Event } from "../src/domain/event.ts";
import { readConfig } from "../src/config.ts";
import { loadEvents } from "../src/pipeline/publish.ts";

const { values } = parseArgs({
  options: { "persist-to": { type: "string", default: ".wrangler/state" }, "base-url": { type: "string" } },
});
const dir = "data/events";
const files = (await readdir(dir)).filter((f) => f.endsWith(".json")).sort();
const events = await Promise.all(files.map(async (f) => Event.parse(JSON.parse(await readFile(join(dir, f), "utf8")))));

const { env, dispose } = await getPlatformProxy<Env>({
  configPath: "wrangler.toml",
  ...(existsSync(".dev.vars") ? {} : { envFiles: [".dev.vars.example"] }),
  // wrangler's --persist-to DIR keeps its local state under DIR/v3
  persist: { path: join(values["persist-to"], "v3") },
});
try {
  const { site } = readConfig({ ...env, ...(values["base-url"] ? { PUBLIC_BASE_URL: values["base-url"] } : {}) });
  const result = await loadEvents(env, site, events, new Date());
  console.log(
    `seed: ${events.length} catalogue(s) from ${dir}: ${result.added} added to D1, ${result.kept} kept as stored, ` +
      `${result.written} KV key(s) written, ${result.deleted} deleted`,
  );
} finally {
  await dispose();
}
