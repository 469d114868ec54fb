// npm run import -- <file> --event <id> --title "<title>": prints the page's Event as JSON on stdout.
// Exit 2, with nothing on stdout, on bad usage or a page the importer cannot read.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { Slug } from "../src/domain/event.ts";
import { ImportError } from "../src/import/errors.ts";
import { importWikiPage } from "../src/import/wiki.ts";

const USAGE = 'usage: npm run import -- <wiki-page.txt> --event <event-id> --title "<event title>"';

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

let args: ReturnType<typeof parseOptions>;
try {
  args = parseOptions();
} catch (e) {
  fail(`import: ${(e as Error).message}\n${USAGE}`);
}
const [file] = args.positionals;
const { event, title } = args.values;
if (args.positionals.length !== 1 || !file || !event || !title) fail(USAGE);
if (!Slug.safeParse(event).success)
  fail(`import: --event must be a slug (lowercase a-z0-9 words joined by '-'), got "${event}"\n${USAGE}`);

let text: string;
try {
  text = readFileSync(file, "utf8");
} catch (e) {
  fail(`import: ${file}: ${(e as Error).message}`);
}
try {
  process.stdout.write(`${JSON.stringify(importWikiPage(text, { eventId: event, title }), null, 2)}\n`);
} catch (e) {
  if (e instanceof ImportError) fail(`import: ${file}: ${e.message}`);
  throw e;
}

function parseOptions() {
  return parseArgs({
    options: { event: { type: "string" }, title: { type: "string" } },
    allowPositionals: true,
  });
}
