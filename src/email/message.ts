// The mails sessionwire sends, built as plain data before any transport sees them (STYLE 8), so tests read the
// subject, parts and headers directly. Titles, summaries, excerpts and URLs come from anyone: every text is
// cleaned and cut to its limit (domain/text.ts, domain/limits.ts) whatever the rows held, titles are one line,
// the subject is cut to the 998 characters a header line allows, HTML is only escaped text in a fixed shape
// passed through the sanitizer as defence in depth, and only http(s) URLs become links. A digest lists the
// newest MAX_DIGEST_CHANGES and links the rest. Every mail links the address's manage page (its own token). The HTML is a small table-free block with inline styles: mail
// clients drop <style> elements and block external resources.
import { CHANGE_LABELS, type Change } from "../domain/changes.ts";
import {
  MAX_DIGEST_CHANGES,
  MAX_EVENT_TITLE_CHARS,
  MAX_EXCERPT_CHARS,
  MAX_ITEM_TITLE_CHARS,
  MAX_SCOPE_TITLE_CHARS,
  MAX_SUBJECT_LENGTH,
  MAX_SUMMARY_CHARS,
} from "../domain/limits.ts";
import { cleanLine, fitLine, fitText } from "../domain/text.ts";
import { cleanXmlText, escapeXml } from "../feeds/escape.ts";
import { MAIL_SANITIZER_OPTIONS, buildShownUrl, sanitizeHtml, toHttpUrl } from "../feeds/content.ts";
import { buildPublicUrl, feedPaths, pagePaths } from "../paths.ts";
import { CONFIRM_TOKEN_TTL_SECONDS } from "./tokens.ts";
import type { MailMessage } from "./model.ts";

export { MAX_SUBJECT_LENGTH };

/** One line (no control character, no line or paragraph separator), at most 998 UTF-16 code units. */
export function buildSubject(text: string): string {
  return fitLine(text, MAX_SUBJECT_LENGTH);
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
  item: "margin:0 0 4px;padding:0 0 0 12px",
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
  const absolute = (path: string) => buildPublicUrl(baseUrl, path);
  const { event, session } = change;
  const subject = fitLine(change.sessionTitle ?? eventTitle, MAX_ITEM_TITLE_CHARS);
  // An http(s) notes URL is linked when it fits MAX_URL_CHARS, shown shortened and unlinked when it does not.
  const notes = change.url === null || toHttpUrl(change.url) === null ? null : buildShownUrl(change.url);
  return {
    title: fitLine(`${CHANGE_LABELS[change.type]}: ${subject}`, MAX_ITEM_TITLE_CHARS),
    meta: `${fitLine(eventTitle, MAX_EVENT_TITLE_CHARS)} · ${formatTime(change.at)}`,
    summary: fitText(change.summary, MAX_SUMMARY_CHARS),
    excerpt: fitText(change.excerpt, MAX_EXCERPT_CHARS),
    pageUrl: absolute(pagePaths.scope(event, session)),
    feedUrl: absolute(session ? feedPaths.session(event, session, "atom") : feedPaths.event(event, "atom")),
    notes,
  };
}
type ChangeDescription = ReturnType<typeof describeChange>;

function renderChangeText(d: ChangeDescription): string {
  const lines = [d.title, d.meta, "", d.summary];
  if (d.excerpt) lines.push("", ...d.excerpt.split("\n").map((line) => `    ${line}`));
  lines.push("", `Session: ${d.pageUrl}`);
  if (d.notes) lines.push(`Notes: ${d.notes.full}`);
  lines.push(`Atom feed: ${d.feedUrl}`);
  return lines.join("\n");
}

function renderChangeHtml(d: ChangeDescription): string {
  const links = [renderLink(d.pageUrl, "Session page")];
  if (d.notes) links.push(d.notes.href ? renderLink(d.notes.href, "Notes") : `Notes: ${escapeXml(d.notes.text)}`);
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

const MANAGE_LABEL = "Manage your subscriptions";

function buildFooter(reason: string, unsubscribeUrl: string, manageUrl: string) {
  return {
    text: `-- \n${reason}\nUnsubscribe: ${unsubscribeUrl}\n${MANAGE_LABEL}: ${manageUrl}`,
    html: p(
      STYLE.footer,
      `${escapeXml(reason)} ${renderLink(unsubscribeUrl, "Unsubscribe")} · ${renderLink(manageUrl, MANAGE_LABEL)}`,
    ),
  };
}

export type ChangeMailInput = {
  from: string;
  to: string;
  change: Change;
  eventTitle: string;
  baseUrl: string;
  unsubscribeUrl: string;
  /** The manage page of the address (what it follows, how often). */
  manageUrl: string;
};

export function buildChangeMail(input: ChangeMailInput): MailMessage {
  const d = describeChange(input.change, input.eventTitle, input.baseUrl);
  const footer = buildFooter(
    "You get this mail because you subscribed to notes changes on sessionwire.",
    input.unsubscribeUrl,
    input.manageUrl,
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
  manageUrl: string;
  /** The day the digest covers, as shown to the reader (e.g. 2019-07-10). */
  day: string;
  /** What was subscribed to (sessionId "" for the whole event): its page lists the changes a digest leaves out. */
  scope: { eventId: string; sessionId: string };
};

/**
 * One mail for a day's changes in a scope: the newest MAX_DIGEST_CHANGES in full, newest first, then one line
 * linking the rest (a busy day must not make a mail of unbounded size).
 */
export function buildDigestMail(input: DigestMailInput): MailMessage {
  const count = `${input.changes.length} ${input.changes.length === 1 ? "change" : "changes"}`;
  const scope = fitLine(input.scopeTitle, MAX_SCOPE_TITLE_CHARS);
  const heading = `Daily digest for ${cleanLine(input.day)}: ${count} in ${scope}`;
  const newest = [...input.changes]
    .sort((a, b) => Date.parse(b.at) - Date.parse(a.at) || b.seq - a.seq)
    .slice(0, MAX_DIGEST_CHANGES);
  const entries = newest.map((change) =>
    describeChange(change, input.eventTitles.get(change.event) ?? change.event, input.baseUrl),
  );
  const more = input.changes.length - newest.length;
  const rest =
    more > 0 ? buildPublicUrl(input.baseUrl, pagePaths.scope(input.scope.eventId, input.scope.sessionId)) : null;
  const moreLine = `and ${more} more ${more === 1 ? "change" : "changes"}: `;
  const footer = buildFooter(
    `You get this daily digest because you subscribed to ${scope} on sessionwire.`,
    input.unsubscribeUrl,
    input.manageUrl,
  );
  return {
    from: input.from,
    to: input.to,
    subject: buildSubject(`Daily digest: ${count} in ${scope}`),
    text: finishText(
      `${[heading, ...entries.map(renderChangeText), ...(rest ? [`${moreLine}${rest}`] : [])].join("\n\n\n")}\n\n${footer.text}\n`,
    ),
    html: renderHtml([
      p(STYLE.title, `<strong>${escapeXml(heading)}</strong>`),
      ...entries.map((d) => `<div style="${STYLE.entry}">\n${renderChangeHtml(d)}\n</div>`),
      ...(rest ? [p(STYLE.text, `${escapeXml(moreLine)}${renderLink(rest, rest)}`)] : []),
      footer.html,
    ]),
    headers: buildUnsubscribeHeaders(input.unsubscribeUrl),
  };
}

export type ConfirmMailInput = {
  from: string;
  to: string;
  /** What is asked for, in one phrase: a session or an event, or "3 sessions of …". */
  scopeTitle: string;
  /** When several scopes were asked for together: each one's title, listed under the phrase. */
  scopes?: string[];
  confirmUrl: string;
  manageUrl: string;
};

/** The only mail an unconfirmed address gets; nothing to unsubscribe from yet, so no List-Unsubscribe. */
export function buildConfirmMail(input: ConfirmMailInput): MailMessage {
  const scope = fitLine(input.scopeTitle, MAX_SCOPE_TITLE_CHARS);
  const scopes = (input.scopes ?? []).map((title) => fitLine(title, MAX_SCOPE_TITLE_CHARS));
  const days = CONFIRM_TOKEN_TTL_SECONDS / 86_400;
  const asked = `Someone, hopefully you, asked sessionwire to email this address when the notes of ${scope} change${scopes.length ? ":" : "."}`;
  const action = `To confirm, open the link below and press the button (the link works for ${days} days):`;
  const ignore =
    "If you did not ask for this, ignore this mail: without confirmation you will get nothing more from us.";
  const manage = `${MANAGE_LABEL} (what this address follows, how often):`;
  const list = scopes.map((title) => `- ${title}`).join("\n");
  return {
    from: input.from,
    to: input.to,
    subject: buildSubject(`Confirm your subscription to ${scope}`),
    text: finishText(
      `${asked}\n${scopes.length ? `${list}\n` : ""}\n${action}\n${input.confirmUrl}\n\n${ignore}\n\n${manage}\n${input.manageUrl}\n`,
    ),
    html: renderHtml([
      p(STYLE.text, escapeXml(asked)),
      ...scopes.map((title) => p(STYLE.item, escapeXml(`- ${title}`))),
      p(STYLE.text, escapeXml(action)),
      p(STYLE.text, renderLink(input.confirmUrl, "Confirm subscription")),
      p(STYLE.footer, `${escapeXml(ignore)} ${renderLink(input.manageUrl, MANAGE_LABEL)}`),
    ]),
    headers: {},
  };
}
