// `npm run webhook -- --event <id> --session <id> --url <url> [--text-file f] [--type notes.updated]
// [--revision n] [--port 8787 | --base <url>]`: sends POST /webhooks/notes as a relay or CI job would, signed
// with the local WEBHOOK_SECRET (.dev.vars, else .dev.vars.example: the values `npm start` serves with). The server
// is `npm start`'s on 127.0.0.1: --port is the one `npm start -- --port` was given; --base names any other.
// Prints the answer; exits 1 unless it is 2xx, 2 when the arguments are not a valid notes event.
import { existsSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { NotesEvent } from "../src/domain/changes.ts";
import { readConfig } from "../src/config.ts";
import { signStandardWebhook } from "../src/webhooks/standard.ts";

const { values } = parseArgs({
  options: {
    event: { type: "string" },
    session: { type: "string" },
    url: { type: "string" },
    "text-file": { type: "string" },
    type: { type: "string", default: "notes.updated" },
    revision: { type: "string" },
    port: { type: "string" },
    base: { type: "string" },
  },
});

const USAGE =
  "usage: npm run webhook -- --event <id> --session <id> --url <url> [--text-file f] [--type t] [--revision n] " +
  "[--port 8787 | --base <url>]";

function fail(message: string): never {
  console.error(`webhook: ${message}\n${USAGE}`);
  process.exit(2);
}

if (values.port !== undefined && values.base !== undefined) fail("give --port or --base, not both");
if (values.port !== undefined && !/^\d{1,5}$/.test(values.port))
  fail(`--port must be a port number, got "${values.port}"`);
const base = values.base ?? `http://127.0.0.1:${values.port ?? "8787"}`;
if (!URL.canParse(base)) fail(`--base must be a URL, got "${base}"`);

const parsed = NotesEvent.safeParse({
  type: values.type,
  event: values.event,
  session: values.session,
  url: values.url,
  ...(values["text-file"] ? { text: readFileSync(values["text-file"], "utf8") } : {}),
  ...(values.revision === undefined ? {} : { revision: Number(values.revision) }),
});
if (!parsed.success) {
  fail(parsed.error.issues.map((issue) => `--${issue.path.join(".") || "?"}: ${issue.message}`).join("\nwebhook: "));
}

const varsFile = existsSync(".dev.vars") ? ".dev.vars" : ".dev.vars.example";
const secretLine = readFileSync(varsFile, "utf8")
  .split(/\r?\n/)
  .find((line) => line.startsWith("WEBHOOK_SECRET="));
const secret = readConfig({
  WEBHOOK_SECRET: secretLine?.slice("WEBHOOK_SECRET=".length).replace(/^"(.*)"$/, "$1"),
}).secrets.webhook[0];
if (!secret) {
  console.error(`webhook: no WEBHOOK_SECRET in ${varsFile}`);
  process.exit(2);
}

const body = JSON.stringify(parsed.data);
const id = `msg_${crypto.randomUUID()}`;
const timestamp = Math.floor(Date.now() / 1000);
const target = new URL("/webhooks/notes", base);
let res: Response;
try {
  res = await fetch(target, {
    method: "POST",
    body,
    headers: {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": await signStandardWebhook(secret, id, timestamp, body),
    },
  });
} catch (err) {
  console.error(`webhook: could not reach ${target} (is \`npm start\` running?): ${(err as Error).cause ?? err}`);
  process.exit(1);
}
console.log(`${res.status} ${res.statusText}`);
console.log(await res.text());
process.exit(res.ok ? 0 : 1);
