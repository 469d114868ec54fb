// npm run import -- <file|url> [--format <format>] [--source <url>] --event <id> --title "<title>" [--out <file>]:
// writes the schedule's Event as JSON to --out, else to stdout. Prefer --out: `npm run` without -s prints its own
// banner on stdout, which a shell redirect would put into the JSON. A wiki page URL is read as its wikitext
// (action=raw). The event names as its followed source the URL given with --source, else the URL it was read
// from (a file names none). Exit 2, writing nothing (no file, nothing on stdout), on bad usage or a document the
// importer cannot read (the message names the line or path).
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { IMPORT_FORMATS, ImportFormat } from "../src/domain/changes.ts";
import { EventSource, Slug } from "../src/domain/event.ts";
import { ImportError } from "../src/import/errors.ts";
import { importSchedule } from "../src/import/index.ts";
import { buildScheduleUrl } from "../src/watch/sources.ts";

const USAGE =
  `usage: npm run import -- <file|url> [--format ${IMPORT_FORMATS.join("|")}] --event <event-id> ` +
  '[--source <url>] --title "<event title>" [--out <file.json>]';

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
const [source] = args.positionals;
const { event, title, format, out } = args.values;
const isUrl = (s: string) => /^https?:\/\//.test(s);
if (args.positionals.length !== 1 || !source || !event || !title) fail(USAGE);
if (!Slug.safeParse(event).success)
  fail(`import: --event must be a slug (lowercase a-z0-9 words joined by '-'), got "${event}"\n${USAGE}`);
if (format !== undefined && !ImportFormat.safeParse(format).success)
  fail(`import: --format must be one of ${IMPORT_FORMATS.join(", ")}, got "${format}"\n${USAGE}`);
const followed = args.values.source ?? (isUrl(source) ? source : undefined);
if (followed !== undefined && !EventSource.safeParse({ url: followed }).success)
  fail(`import: --source must be an http(s) URL, got "${followed}"\n${USAGE}`);

let text: string;
try {
  if (isUrl(source)) {
    const url = buildScheduleUrl(source);
    const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
    if (!res.ok) fail(`import: ${url} answered ${res.status}`);
    text = await res.text();
  } else text = readFileSync(source, "utf8");
} catch (e) {
  fail(`import: ${source}: ${(e as Error).message}`);
}
try {
  const parsed = importSchedule(text, { eventId: event, title, format: format as ImportFormat | undefined });
  const sourced = followed ? { ...parsed, source: { url: followed, ...(format ? { format } : {}) } } : parsed;
  const json = `${JSON.stringify(sourced, null, 2)}\n`;
  if (out === undefined) process.stdout.write(json);
  else writeAtomically(out, json);
} catch (e) {
  if (e instanceof ImportError) fail(`import: ${source}: ${e.message}`);
  throw e;
}

/** The whole file or none (the partial one's name does not end in .json, so npm start never loads it). */
function writeAtomically(path: string, text: string) {
  const partial = `${path}.partial`;
  try {
    writeFileSync(partial, text);
    renameSync(partial, path);
  } catch (e) {
    rmSync(partial, { force: true });
    fail(`import: --out ${path}: ${(e as Error).message}`);
  }
  process.stderr.write(`import: wrote ${path}\n`);
}

function parseOptions() {
  return parseArgs({
    options: {
      event: { type: "string" },
      title: { type: "string" },
      format: { type: "string" },
      source: { type: "string" },
      out: { type: "string" },
    },
    allowPositionals: true,
  });
}
