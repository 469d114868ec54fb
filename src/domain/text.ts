// Untrusted text made fit to store and to show. One list of characters to remove, used where text enters (zod
// overwrites in the schemas) and again where it is rendered (feeds, mails), so rows stored before the rule
// existed come out clean too; and one way to cut a text to a limit (limits.ts).

// What XML 1.0 forbids: C0 controls but TAB, LF and CR; U+FFFE and U+FFFF; lone surrogates (with the u flag a
// valid pair reads as one astral code point and stays). A single one makes a whole feed unreadable.
const XML_FORBIDDEN = String.raw`\0-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF\uD800-\uDFFF`;
// What XML allows but no reader should get: DEL and the C1 controls, and the bidi embeddings, overrides and
// isolates, which make a title display differently from what it says.
const INVISIBLE = String.raw`\x7F-\x9F\u202A-\u202E\u2066-\u2069`;

/** The characters escape.ts removes from everything it writes as XML. */
export const XML_FORBIDDEN_CHARS = new RegExp(`[${XML_FORBIDDEN}]`, "gu");
const UNSAFE_CHARS = new RegExp(`[${XML_FORBIDDEN}${INVISIBLE}]`, "gu");
// Controls (C0, DEL, C1 such as U+0085 NEL) and the Unicode line and paragraph separators: in one line of text
// (and in a mail header) any of them could start a new line, so they become spaces.
const LINE_BREAKERS = /[\p{Cc}\u2028\u2029]/gu;

/** Multi-line text (descriptions, summaries, excerpts): the unsafe characters removed; TAB, LF and CR kept. */
export function cleanText(text: string): string {
  return text.replace(UNSAFE_CHARS, "");
}

/** One line (titles, labels, hosts, subjects): controls and line breaks become spaces, blanks fold, trimmed. */
export function cleanLine(text: string): string {
  return cleanText(text.replace(LINE_BREAKERS, " ")).replace(/\s+/g, " ").trim();
}

/** At most `max` UTF-16 code units: a longer text is cut between code points and ends with "…". */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - 1);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut.trimEnd()}…`;
}

// Cleaning only removes and folds characters, so the first 2 × max of a longer text decide what is shown: a 2 MB
// title costs what a short one does. The "…" marks the cut even when cleaning leaves the window short.
const window = (text: string, max: number) => (text.length > 2 * max ? `${text.slice(0, 2 * max)}…` : text);

/** One line, cleaned and cut to `max`: how a title or a label is rendered, whatever was stored. */
export function fitLine(text: string, max: number): string {
  return cutText(cleanLine(window(text, max)), max);
}

/** Multi-line text, cleaned and cut to `max`. */
export function fitText(text: string, max: number): string {
  return cutText(cleanText(window(text, max)), max);
}

/** UTF-8 bytes of a text (a lone surrogate counts as the 3 bytes of U+FFFD, as TextEncoder writes it). */
export function measureUtf8(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit < 0xdc00 && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
