// What the JSON readers (frab schedule.json, ptgbot state, pretalx API) share: a syntax error named by the line
// and column it is at (saying when the document looks cut short), and a zod issue named by its JSON path
// (`schedule.conference.days[1].rooms["Saal 1"][3].start`).
import type { z } from "zod";
import { ImportError } from "./errors.ts";

export type JsonPath = PropertyKey[];

/** Comments before the document, as documentation examples carry them (`/* from https://… *\/`, `// …`). */
const LEADING_COMMENTS = /^\s*(?:(?:\/\*[\s\S]*?\*\/|\/\/[^\r\n]*)\s*)+/;

/**
 * A JSON document that may start with comments (blanked, not removed, so lines and columns stay as in the
 * text), parsed; a syntax error becomes an ImportError naming its line and column.
 */
export function parseJsonText(text: string): unknown {
  const body = text.replace(/^\uFEFF/, "");
  const uncommented = body.replace(LEADING_COMMENTS, (comments) => comments.replace(/[^\r\n]/g, " "));
  try {
    return JSON.parse(uncommented);
  } catch (error) {
    if (error instanceof SyntaxError) throw buildJsonSyntaxError(uncommented, error);
    throw error;
  }
}

/** Where JSON.parse stopped in `body` and why, as an ImportError at that line. */
export function buildJsonSyntaxError(body: string, error: SyntaxError): ImportError {
  const message = error.message;
  const at = /at position (\d+)/.exec(message);
  const offset = at ? Number(at[1]) : /end of JSON input/i.test(message) ? body.length : findJsonErrorOffset(body);
  const { line, column } = locate(body, offset);
  const reason = message
    .replace(/ at position \d+.*$/, "")
    .replace(/ in JSON$/, "")
    .replace(/, .*is not valid JSON$/s, "");
  const truncated = offset >= body.trimEnd().length ? " (is the document cut short?)" : "";
  return new ImportError(line, `not valid JSON at column ${column}: ${reason}${truncated}`);
}

/** The first zod issue as an ImportError at its JSON path under `base` (line 1 for the document itself). */
export function buildIssueError(base: JsonPath, error: z.ZodError): ImportError {
  const issue = error.issues[0]!;
  const path = [...base, ...issue.path];
  const missing = issue.code === "invalid_type" && /received undefined/.test(issue.message);
  return new ImportError(formatJsonPath(path) || 1, missing ? "missing" : issue.message);
}

/** `schedule.conference.days[1].rooms["Saal 1"][3].start`; `[2].title` in a list. */
export function formatJsonPath(path: JsonPath): string {
  return path
    .map((part, i) => {
      if (typeof part === "number") return `[${part}]`;
      const key = String(part);
      if (/^[A-Za-z_$][\w$]*$/.test(key)) return i === 0 ? key : `.${key}`;
      return `[${JSON.stringify(key)}]`;
    })
    .join("");
}

/** 1-based line and column of an offset; CRLF, LF and CR each end a line. */
function locate(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const breaks = before.match(/\r\n|\n|\r/g)?.length ?? 0;
  const lineStart = Math.max(before.lastIndexOf("\n"), before.lastIndexOf("\r")) + 1;
  return { line: breaks + 1, column: offset - lineStart + 1 };
}

/**
 * Where JSON.parse stopped, for the messages that do not say ("Unexpected token 'x', "…" is not valid JSON"):
 * the offset of the first character that is not valid JSON, found by reading the document again.
 */
function findJsonErrorOffset(text: string): number {
  let i = 0;
  const LITERAL = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;
  const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
  const skipSpace = () => {
    while (i < text.length && " \t\n\r".includes(text[i]!)) i++;
  };
  const expect = (char: string) => {
    skipSpace();
    if (text[i] !== char) throw i;
    i++;
  };
  const read = (pattern: RegExp) => {
    pattern.lastIndex = i;
    if (!pattern.test(text)) throw i;
    i = pattern.lastIndex;
  };
  const readValue = (): void => {
    skipSpace();
    const c = text[i];
    if (c === "{" || c === "[") {
      const close = c === "{" ? "}" : "]";
      i++;
      skipSpace();
      if (text[i] === close) {
        i++;
        return;
      }
      for (;;) {
        if (c === "{") {
          skipSpace();
          read(STRING);
          expect(":");
        }
        readValue();
        skipSpace();
        if (text[i] === ",") i++;
        else return expect(close);
      }
    }
    read(c === '"' ? STRING : LITERAL);
  };
  try {
    readValue();
    skipSpace();
    return i;
  } catch (at) {
    return typeof at === "number" ? at : 0;
  }
}
