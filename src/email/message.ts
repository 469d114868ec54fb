// The mails sessionwire sends, built as plain data before any transport sees them (STYLE 8), so tests read the
// subject, parts and headers directly. Titles, summaries, excerpts and URLs come from anyone: titles are folded
// to one line, the subject is cut to the 998 characters a header line allows, HTML is only escaped text in a
// fixed shape passed through the sanitizer as defence in depth, and only http(s) URLs become links. The HTML is
// a small table-free block with inline styles: mail clients drop <style> elements and block external resources.
import { CHANGE_LABELS, type Change } from "../domain/changes.ts";
import { feedPaths, pagePaths } from "../feeds/build.ts";
import { cleanXmlText, escapeXml } from "../feeds/escape.ts";
import { MAIL_SANITIZER_OPTIONS, sanitizeHtml, toHttpUrl } from "../feeds/content.ts";
import { CONFIRM_TOKEN_TTL_SECONDS } from "./tokens.ts";
import type { MailMessage } from "./model.ts";

export const MAX_SUBJECT_LENGTH = 998;

// Controls (C0, DEL, C1 such as U+0085 NEL) and the Unicode line and paragraph separators: any of them in a header
// could start a new line somewhere along the way.
const LINE_BREAKERS = /[\p{Cc}\u2028\u2029]/gu;

const oneLine = (text: string) => text.replace(LINE_BREAKERS, " ").replace(/\s+/g, " ").trim();

/** One line, trimmed, at most 998 UTF-16 code units (so also code points), cut between code points with "…". */
export function buildSubject(text: string): string {
  const line = oneLine(text);
  if (line.length <= MAX_SUBJECT_LENGTH) return line;
  let cut = line.slice(0, MAX_SUBJECT_LENGTH - 1);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut.trimEnd()}…`;
}

/** RFC 8058 one-click unsubscribe; the URL must be https in production (the platform rejects http). */
function buildUnsubscribeHeaders(unsubscribeUrl: string): Record<string, string> {
  return { "List-Unsubscribe": `<${unsubscribeUrl}>`, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" };
}

const STYLE = {
  body: "font-family:Helvetica,Arial,sans-serif;font-size:15px;line-height:1.5;color:#1f2328;max-width:640px",
  title: "margin:0 0 4px;font-size:17px",
  meta: "margin:0 0 12px;font-size:13px;color:#59636e",
  text: "margin:0 0 12px",
  excerpt:
    "margin:0 0 12px;padding:8px 12px;white-space:pre-wrap;font-family:Menlo,Consolas,monospace;font-size:13px;background-color:#f6f8fa",
  entry: "margin:0 0 24px",
  footer: "margin:24px 0 0;font-size:13px;color:#59636e",
  link: "color:#0969da",
};

const p = (style: string, html: string) => `<p style="${style}">${html}</p>`;

/** A link when the URL is http(s), its text otherwise: nothing else ever lands in an href. */
function renderLink(url: string, label: string): string {
  const href = toHttpUrl(url);
  return href ? `<a href="${escapeXml(href)}" style="${STYLE.link}">${escapeXml(label)}</a>` : escapeXml(url);
}

function renderHtml(blocks: string[]): string {
  const html = `<div style="${STYLE.body}">\n${blocks.join("\n")}\n</div>`.replace(/\r\n?/g, "\n");
  return sanitizeHtml(html, MAIL_SANITIZER_OPTIONS);
}

/** A text part without the characters escape.ts removes, and with one kind of line break (no bare CR). */
const finishText = (text: string) => cleanXmlText(text).replace(/\r\n?/g, "\n");

const formatTime = (iso: string) => `${new Date(iso).toISOString().slice(0, 16).replace("T", " ")} UTC`;

/** What one change says, with absolute links; shared by the single mail and each digest entry. */
function describeChange(change: Change, eventTitle: string, baseUrl: string) {
  const absolute = (path: string) => new URL(path, baseUrl).href;
  const { event, session } = change;
  return {
    title: oneLine(`${CHANGE_LABELS[change.type]}: ${change.sessionTitle ?? eventTitle}`),
    meta: `${oneLine(eventTitle)} · ${formatTime(change.at)}`,
    summary: change.summary,
    excerpt: change.excerpt,
    pageUrl: absolute(session ? pagePaths.session(event, session) : pagePaths.event(event)),
    feedUrl: absolute(session ? feedPaths.session(event, session, "atom") : feedPaths.event(event, "atom")),
    notesUrl: change.url === null ? null : toHttpUrl(change.url),
  };
}
type ChangeDescription = ReturnType<typeof describeChange>;

function renderChangeText(d: ChangeDescription): string {
  const lines = [d.title, d.meta, "", d.summary];
  if (d.excerpt) lines.push("", ...d.excerpt.split("\n").map((line) => `    ${line}`));
  lines.push("", `Session: ${d.pageUrl}`);
  if (d.notesUrl) lines.push(`Notes: ${d.notesUrl}`);
  lines.push(`Atom feed: ${d.feedUrl}`);
  return lines.join("\n");
}

function renderChangeHtml(d: ChangeDescription): string {
  const links = [renderLink(d.pageUrl, "Session page")];
  if (d.notesUrl) links.push(renderLink(d.notesUrl, "Notes"));
  links.push(renderLink(d.feedUrl, "Atom feed"));
  return [
    p(STYLE.title, `<strong>${escapeXml(d.title)}</strong>`),
    p(STYLE.meta, escapeXml(d.meta)),
    p(STYLE.text, escapeXml(d.summary)),
    d.excerpt ? `<pre style="${STYLE.excerpt}">${escapeXml(d.excerpt)}</pre>` : "",
    p(STYLE.text, links.join(" · ")),
  ]
    .filter(Boolean)
    .join("\n");
}

function buildFooter(reason: string, unsubscribeUrl: string) {
  return {
    text: `-- \n${reason}\nUnsubscribe: ${unsubscribeUrl}`,
    html: p(STYLE.footer, `${escapeXml(reason)} ${renderLink(unsubscribeUrl, "Unsubscribe")}`),
  };
}

export type ChangeMailInput = {
  from: string;
  to: string;
  change: Change;
  eventTitle: string;
  baseUrl: string;
  unsubscribeUrl: string;
};

export function buildChangeMail(input: ChangeMailInput): MailMessage {
  const d = describeChange(input.change, input.eventTitle, input.baseUrl);
  const footer = buildFooter(
    "You get this mail because you subscribed to notes changes on sessionwire.",
    input.unsubscribeUrl,
  );
  return {
    from: input.from,
    to: input.to,
    subject: buildSubject(d.title),
    text: finishText(`${renderChangeText(d)}\n\n${footer.text}\n`),
    html: renderHtml([renderChangeHtml(d), footer.html]),
    headers: buildUnsubscribeHeaders(input.unsubscribeUrl),
  };
}

export type DigestMailInput = {
  from: string;
  to: string;
  scopeTitle: string;
  changes: Change[];
  eventTitles: Map<string, string>;
  baseUrl: string;
  unsubscribeUrl: string;
  /** The day the digest covers, as shown to the reader (e.g. 2019-07-10). */
  day: string;
};

/** One mail for a day's changes in a scope, newest first. */
export function buildDigestMail(input: DigestMailInput): MailMessage {
  const count = `${input.changes.length} ${input.changes.length === 1 ? "change" : "changes"}`;
  const scope = oneLine(input.scopeTitle);
  const heading = `Daily digest for ${oneLine(input.day)}: ${count} in ${scope}`;
  const entries = [...input.changes]
    .sort((a, b) => Date.parse(b.at) - Date.parse(a.at) || b.seq - a.seq)
    .map((change) => describeChange(change, input.eventTitles.get(change.event) ?? change.event, input.baseUrl));
  const footer = buildFooter(
    `You get this daily digest because you subscribed to ${scope} on sessionwire.`,
    input.unsubscribeUrl,
  );
  return {
    from: input.from,
    to: input.to,
    subject: buildSubject(`Daily digest: ${count} in ${scope}`),
    text: finishText(`${[heading, ...entries.map(renderChangeText)].join("\n\n\n")}\n\n${footer.text}\n`),
    html: renderHtml([
      p(STYLE.title, `<strong>${escapeXml(heading)}</strong>`),
      ...entries.map((d) => `<div style="${STYLE.entry}">\n${renderChangeHtml(d)}\n</div>`),
      footer.html,
    ]),
    headers: buildUnsubscribeHeaders(input.unsubscribeUrl),
  };
}

export type ConfirmMailInput = { from: string; to: string; scopeTitle: string; confirmUrl: string };

/** The only mail an unconfirmed address gets; nothing to unsubscribe from yet, so no List-Unsubscribe. */
export function buildConfirmMail(input: ConfirmMailInput): MailMessage {
  const scope = oneLine(input.scopeTitle);
  const days = CONFIRM_TOKEN_TTL_SECONDS / 86_400;
  const asked = `Someone, hopefully you, asked sessionwire to email this address when the notes of ${scope} change.`;
  const action = `To confirm, open the link below and press the button (the link works for ${days} days):`;
  const ignore =
    "If you did not ask for this, ignore this mail: without confirmation you will get nothing more from us.";
  return {
    from: input.from,
    to: input.to,
    subject: buildSubject(`Confirm your subscription to ${scope}`),
    text: finishText(`${asked}\n\n${action}\n${input.confirmUrl}\n\n${ignore}\n`),
    html: renderHtml([
      p(STYLE.text, escapeXml(asked)),
      p(STYLE.text, escapeXml(action)),
      p(STYLE.text, renderLink(input.confirmUrl, "Confirm subscription")),
      p(STYLE.footer, escapeXml(ignore)),
    ]),
    headers: {},
  };
}
