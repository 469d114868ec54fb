// Page furniture of a MediaWiki page copied from a browser (a "reader copy"): what the skin, the history view and
// the diff view put around the content. None of it is a session, and left in place it reads as titles and
// descriptions: a revision banner taken for the first session, the real session after it swallowed into that
// one's description, the table of contents and both columns of a diff repeating every title. These are lines no
// design-session text is made of; they are dropped before the reader-copy heuristics see the page.

/** The revision banner of an old revision or a diff column: "Revision as of 12:20, 9 August 2019 by …". */
const REVISION_BANNER = /^(?:(?:latest|current|old)\s+)?revision\s+as\s+of\s+\d{1,2}:\d{2}\b/i;
/** A user's links, on a banner or a line of its own: "Lars Kurth (talk | contribs)". */
const USER_LINKS = /\(\s*talk\s*\|\s*contribs\s*(?:\|\s*block\s*)?\)/i;
/** "(diff) ← Older revision | Latest revision (diff) | Newer revision → (diff)", "← Older edit", "Newer edit →". */
const REVISION_NAVIGATION =
  /^\(diff\)\s*←|←\s*(?:older|previous)\s+(?:revision|edit)\b|\b(?:newer|next)\s+(?:revision|edit)\s*→/i;
/** "Jump to: navigation, search" (older skins), "Jump to navigationJump to search" (newer ones). */
const JUMP_LINKS = /^jump\s+to:?\s*(?:navigation|search)/i;
const NO_EDIT_SUMMARY = /^no edit summary$/i;
const HIDDEN_REVISIONS = /^\((?:\d+|one|two|three|\w+) intermediate revisions? by .+ not shown\)$/i;
/** The edit summary of a section edit starts with an arrow to the section: "(→‎Sessions with published notes)". */
const SECTION_EDIT_SUMMARY = /^\(\s*→/;
/** Only under the page title: the site's tagline and a redirect notice. */
const HEADER_ONLY = /^(?:From \S.*|\(Redirected from .+\))$/;
/** "Contents", "Contents [hide]", or the whole table of contents on one line: "Contents [hide] 1 … 1.1 … 2 …". */
const CONTENTS = /^contents(?:\s*\[?(?:hide|show)\]?)?(?:\s+1\s.*)?$/i;
const CONTENTS_ENTRY = /^(?:\d+(?:\.\d+)*\.?\s+\S.*|\[?(?:hide|show)\]?)$/i;
/** The head of a hunk in a diff view: "Line 12:", or "Line 12:␉Line 12:" with both columns. */
const DIFF_HUNK = /^Line \d+:(?:\s*Line \d+:)?$/i;
/** Where the page's content ends: the footer of the skin, or the category links. */
const FOOTER = /^(?:Retrieved from\b.*|Navigation menu|(?:Hidden )?Categories?:.*|\[\[Category:.*)$/;

/**
 * The content lines of a reader copy from `start` (the line after the page title), trimmed, with their 1-based
 * numbers: furniture and the footer dropped. A diff view's table is dropped whole (a browser copies its rows as
 * tab-separated columns); what follows it is the revision itself, read as any copy.
 */
export function listContentLines(raw: string[], start: number): { no: number; text: string }[] {
  const lines: { no: number; text: string }[] = [];
  let header = true; // still in the furniture under the page title
  let afterUser = false; // an edit summary in parentheses follows a banner or a user's links
  let inContents = false;
  let inDiff = false;
  for (let i = start; i < raw.length; i++) {
    const source = raw[i]!;
    const text = source.trim();
    if (FOOTER.test(text)) break;
    if (inDiff && (source.includes("\t") || DIFF_HUNK.test(text))) continue;
    inDiff = false;
    if (inContents && (CONTENTS_ENTRY.test(text) || !text)) continue;
    inContents = false;
    const furniture =
      REVISION_BANNER.test(text) ||
      USER_LINKS.test(text) ||
      REVISION_NAVIGATION.test(text) ||
      JUMP_LINKS.test(text) ||
      NO_EDIT_SUMMARY.test(text) ||
      HIDDEN_REVISIONS.test(text) ||
      SECTION_EDIT_SUMMARY.test(text) ||
      (afterUser && /^\(.*\)$/.test(text)) ||
      (header && HEADER_ONLY.test(text));
    afterUser = REVISION_BANNER.test(text) || USER_LINKS.test(text);
    if (DIFF_HUNK.test(text)) inDiff = true;
    else if (CONTENTS.test(text)) inContents = true;
    else if (furniture || (header && !text)) continue;
    else {
      header = false;
      lines.push({ no: i + 1, text });
    }
  }
  return lines;
}
