// Which links of a schedule are a session's notes. Schedules mix notes pads with slides, recordings and project
// homepages: a link is notes when it points at a pad host (HackMD, HedgeDoc, Etherpad, CryptPad) or when its own
// title says notes ("Notes", "Minutes", "Etherpad", "Pad") and it points at a wiki or list archive; everything
// else is a related link, kept apart. Free text (descriptions) only ever gives pad URLs, so a "padlock" or a
// launchpad.net bug never becomes notes. URLs found in text lose what glued onto them (`&gt;`, closing
// brackets, sentence punctuation).
import { MAX_NOTE_LINKS, MAX_RELATED_LINKS, MAX_URL_CHARS, MAX_LABEL_CHARS } from "../domain/limits.ts";
import { type NoteLink, type RelatedLink, buildNoteLink, NotesUrl } from "../domain/event.ts";
import { fitLine } from "../domain/text.ts";
import { decodeEntities } from "./html.ts";

const NOTES_TITLE = /\b(notes?|minutes|etherpad|pad|hackmd|hedgedoc|cryptpad)\b/i;
const PAD_HOSTS: RegExp[] = [
  /(^|\.)hackmd\.io$/,
  /(^|\.)cryptpad\.[a-z.]+$/,
  /(^|\.)(hedgedoc|codimd)\.[a-z.]+$/,
  /(^|\.)(etherpad|pads?)\.[a-z.]+$/,
];

/** A usable http(s) URL, or null. */
export function readUrl(value: string | undefined | null): string | null {
  if (!value) return null;
  const url = value.trim();
  if (url.length > MAX_URL_CHARS) return null;
  return NotesUrl.safeParse(url).success ? url : null;
}

/** Is this a pad by its host alone (what a URL found in prose must be to count as notes)? */
export function isPadUrl(url: string): boolean {
  const host = URL.parse(url)?.hostname.toLowerCase() ?? "";
  return PAD_HOSTS.some((pattern) => pattern.test(host));
}

/** http(s) URLs in free text, with HTML entities decoded and trailing glue (`&gt;`, `).,;:!?'"`) trimmed. */
export function findUrls(text: string): string[] {
  const decoded = decodeEntities(text);
  const urls: string[] = [];
  for (const match of decoded.matchAll(/https?:\/\/[^\s<>"'`\]\[{}|\\^]+/g)) {
    let url = match[0];
    for (;;) {
      const trimmed = url.replace(/[.,;:!?*]+$/, "");
      // A closing bracket belongs to the URL only when the URL opened one.
      const unbalanced =
        /\)$/.test(trimmed) && (trimmed.match(/\(/g)?.length ?? 0) < (trimmed.match(/\)/g)?.length ?? 0);
      const next = unbalanced ? trimmed.slice(0, -1) : trimmed;
      if (next === url) break;
      url = next;
    }
    const usable = readUrl(url);
    if (usable) urls.push(usable);
  }
  return urls;
}

/**
 * A session's links split into notes and related ones, without duplicates, in the order given: `links` are the
 * schedule's own links and attachments; `texts` (descriptions, abstracts) add the pad URLs they mention.
 */
export function buildSessionLinks(
  links: { url: string; title?: string | undefined }[],
  texts: (string | undefined | null)[] = [],
): { notes: NoteLink[]; links: RelatedLink[] } {
  const notes: NoteLink[] = [];
  const related: RelatedLink[] = [];
  const seen = new Set<string>();
  const label = (title?: string) => {
    const t = title ? fitLine(title, MAX_LABEL_CHARS) : "";
    return t || undefined;
  };
  for (const link of links) {
    const url = readUrl(link.url);
    if (!url || seen.has(url)) continue;
    seen.add(url);
    const note = buildNoteLink(url, label(link.title));
    const isNotes =
      isPadUrl(url) || ((note.kind === "wiki" || note.kind === "mailing-list") && NOTES_TITLE.test(link.title ?? ""));
    if (isNotes) {
      if (notes.length < MAX_NOTE_LINKS) notes.push(note);
    } else if (related.length < MAX_RELATED_LINKS) {
      const title = label(link.title);
      related.push({ url, ...(title ? { title } : {}) });
    }
  }
  for (const text of texts) {
    for (const url of text ? findUrls(text) : []) {
      if (seen.has(url) || !isPadUrl(url)) continue;
      seen.add(url);
      if (notes.length < MAX_NOTE_LINKS) notes.push(buildNoteLink(url));
    }
  }
  return { notes, links: related };
}
