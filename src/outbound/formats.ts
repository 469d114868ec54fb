// Chat message bodies for outbound endpoints whose format is slack, discord or matrix: one readable message per
// published change (the session, what changed, the summary, a short excerpt, the links), built as plain data for
// the sender to JSON.stringify and sign. Titles, summaries and excerpts come from anyone: each is cleaned and cut
// to its domain limit (domain/text.ts), then escaped for its platform one grapheme at a time and cut to the
// platform's limit *after* escaping, so an escape, a surrogate pair or an emoji is never split and escaping never
// pushes a field past a limit. Only http(s) URLs become links; one too long to link is shown shortened.
//
// What each platform documents (lengths are characters there; here UTF-16 units, which are never fewer):
// - Slack incoming webhooks (api.slack.com/reference/surfaces/formatting, /reference/block-kit/blocks): "&", "<"
//   and ">" are control characters and go as &amp; &lt; &gt;, so `<!channel>` or `<url|label>` in a title stays
//   text; a section's text and a context element's text at most 3000; at most 50 blocks; `text` at most 40,000.
//   Mattermost takes the same body (developers.mattermost.com/integrate/slash-commands/slack) but ignores
//   `blocks`, renders `text` as Markdown and links @mentions itself (no link_names), so `text` is the whole
//   message, "@" is followed by a zero-width space and "]" too (a Markdown link needs "](").
// - Discord execute webhook (discord.com/developers/docs/resources/webhook#execute-webhook, resources/message
//   "Embed Limits"): content at most 2000; embed title 256, description 4096, at most 25 fields with name 256 and
//   value 1024, footer 2048, and all of an embed's text together 6000. `allowed_mentions: { parse: [] }` pings no
//   one; untrusted text has its Markdown characters backslash-escaped and "@" broken, as Discord advises for user
//   content, so it renders as written: no masked link, mention or formatting.
// - matrix-hookshot generic webhooks (matrix-org.github.io/matrix-hookshot, setup/webhooks.md): `text` becomes
//   the body, `html` the formatted_body (used as given, not rendered from Markdown), and `username` is prepended
//   to both. The HTML is escaped text in a fixed shape, passed through the feeds' sanitizer as defence in depth;
//   a Matrix event stops at 64 KiB, far above these bounded fields. "@" is broken there too: "@room" in the body
//   of a bot with power (hookshot's needs Moderator) would notify the whole room.
import { CHANGE_LABELS } from "../domain/changes.ts";
import { MAX_EVENT_TITLE_CHARS, MAX_SESSION_TITLE_CHARS, MAX_SUMMARY_CHARS } from "../domain/limits.ts";
import { fitLine, fitText } from "../domain/text.ts";
import type { IFilterXSSOptions } from "xss";
import { buildShownUrl, sanitizeHtml, toHttpUrl } from "../feeds/content.ts";
import { escapeXml } from "../feeds/escape.ts";
import type { ChangeNotice } from "./notice.ts";

export type ChatFormat = "slack" | "discord" | "matrix";

export const SLACK_LIMITS = { text: 40_000, blockText: 3000, blocks: 50 } as const;
export const DISCORD_LIMITS = {
  content: 2000,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  embed: 6000,
} as const;
/** A Matrix event's size limit (the spec's 65,536 bytes), body and formatted body together well inside it. */
export const MATRIX_MAX_EVENT_BYTES = 65_536;

/** A chat message shows a few lines of the new notes; the change's page has the rest. */
const EXCERPT_CHARS = 300;
/** A URL longer than this once encoded for its platform is shown shortened, not linked (a site's own page URLs
 * are at most about 630: MAX_SITE_URL_CHARS and two slugs). */
const LINK_URL_CHARS = 700;

// Per-field budgets after escaping, chosen so that every block, field and message stays under its limit with
// every field at its budget (test/unit/outbound-formats.test.ts holds each format to its limits).
const BUDGET = { title: 400, eventTitle: 280, summary: 600, excerpt: 1000, label: 100 };

const ZWSP = "\u200B";
const GRAPHEMES = new Intl.Segmenter("en", { granularity: "grapheme" });

/**
 * `text` escaped and cut to at most `max` UTF-16 units, ending with "…" when cut. Escaped one grapheme at a time,
 * so a cut falls between graphemes: never inside an entity, a backslash escape, a surrogate pair or an emoji.
 */
function fitEscaped(text: string, max: number, escape: (text: string) => string): string {
  const whole = escape(text);
  if (whole.length <= max) return whole;
  let cut = "";
  for (const { segment } of GRAPHEMES.segment(text)) {
    const piece = escape(segment);
    if (cut.length + piece.length > max - 1) break;
    cut += piece;
  }
  return `${cut.trimEnd()}…`;
}

const breakMentions = (text: string) => text.replaceAll("@", `@${ZWSP}`);

/** What every format says about a change, each text cleaned and cut to its domain limit, each URL http(s) or null. */
function describeNotice({ change, event, session }: ChangeNotice) {
  const eventTitle = fitLine(event.title, MAX_EVENT_TITLE_CHARS) || event.id;
  const sessionTitle = session ? fitLine(session.title, MAX_SESSION_TITLE_CHARS) || session.id : null;
  const changed = change.linesAdded > 0 || change.linesRemoved > 0;
  return {
    title: sessionTitle ?? eventTitle,
    label: CHANGE_LABELS[change.type],
    lines: changed ? `+${change.linesAdded}/\u2212${change.linesRemoved} lines` : null,
    summary: fitText(change.summary, MAX_SUMMARY_CHARS).replace(/\r\n?/g, "\n").trim(),
    excerpt: fitText(change.excerpt, EXCERPT_CHARS).replace(/\r\n?/g, "\n").trim(),
    eventTitle,
    time: `${new Date(change.at).toISOString().slice(0, 16).replace("T", " ")} UTC`,
    pageLabel: session ? "Session page" : "Event page",
    pageUrl: toHttpUrl(session?.url ?? event.url),
    eventUrl: toHttpUrl(event.url),
    // An http(s) notes URL only (as in mails): href when it fits MAX_URL_CHARS, text always (shortened).
    notes: change.url === null || toHttpUrl(change.url) === null ? null : buildShownUrl(change.url),
  };
}
type Description = ReturnType<typeof describeNotice>;

// Slack (and Mattermost).

const SLACK_ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };
const escapeSlack = (text: string) =>
  breakMentions(text.replace(/[&<>]/g, (c) => SLACK_ENTITIES[c]!)).replaceAll("]", `]${ZWSP}`);
/** A URL inside `<url|label>`: "|" would end it early, ")" would end Mattermost's Markdown link; the URL parser
 * has percent-encoded "<", ">" and blanks already. */
const encodeSlackUrl = (href: string) =>
  href
    .replace(/[&<>]/g, (c) => SLACK_ENTITIES[c]!)
    .replaceAll("|", "%7C")
    .replaceAll("(", "%28")
    .replaceAll(")", "%29");

/** `label` (escaped already) linked to `href` when it may be, else the label alone. */
function renderSlackLink(href: string | null, label: string): string {
  const url = href === null ? null : encodeSlackUrl(href);
  return url !== null && url.length <= LINK_URL_CHARS ? `<${url}|${label}>` : label;
}

/** The excerpt as a quote, every line's ">" counted in the budget. */
const renderSlackQuote = (excerpt: string) =>
  `>${fitEscaped(excerpt, BUDGET.excerpt - 1, (text) => escapeSlack(text).replaceAll("\n", "\n>"))}`;

export type SlackBody = {
  text: string;
  blocks: (
    | { type: "section"; text: { type: "mrkdwn"; text: string } }
    | {
        type: "context";
        elements: { type: "mrkdwn"; text: string }[];
      }
  )[];
};

function buildSlackBody(d: Description): SlackBody {
  const title = fitEscaped(d.title, BUDGET.title, escapeSlack);
  const main = [
    `*${renderSlackLink(d.pageUrl, title)}*`,
    `*${d.label}*${d.lines ? ` · ${d.lines}` : ""}`,
    ...(d.summary ? [fitEscaped(d.summary, BUDGET.summary, escapeSlack)] : []),
    ...(d.excerpt ? [renderSlackQuote(d.excerpt)] : []),
  ].join("\n");
  const notes = d.notes
    ? d.notes.href && encodeSlackUrl(d.notes.href).length <= LINK_URL_CHARS
      ? renderSlackLink(d.notes.href, "Notes")
      : `Notes: ${fitEscaped(d.notes.text, BUDGET.label, escapeSlack)}`
    : null;
  const links = [
    renderSlackLink(d.pageUrl, d.pageLabel),
    ...(notes ? [notes] : []),
    renderSlackLink(d.eventUrl, fitEscaped(d.eventTitle, BUDGET.eventTitle, escapeSlack)),
    d.time,
  ].join(" · ");
  return {
    // The notification text in Slack, and the whole message in Mattermost, which ignores blocks.
    text: `${main}\n${links}`,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: main } },
      { type: "context", elements: [{ type: "mrkdwn", text: links }] },
    ],
  };
}

// Discord.

const escapeDiscord = (text: string) => breakMentions(text.replace(/[\\*_~`|>#[\]()<-]/g, "\\$&"));
/** A URL inside `[label](url)`: a parenthesis would end it (the URL parser has encoded blanks and "<", ">"). */
const encodeDiscordUrl = (href: string) => href.replaceAll("(", "%28").replaceAll(")", "%29");

function renderDiscordLink(href: string | null, label: string): string {
  const url = href === null ? null : encodeDiscordUrl(href);
  return url !== null && url.length <= LINK_URL_CHARS ? `[${label}](${url})` : label;
}

export type DiscordEmbed = {
  title: string;
  url?: string;
  description: string;
  fields: { name: string; value: string; inline?: boolean }[];
  footer: { text: string };
  timestamp: string;
};
export type DiscordBody = {
  content: string;
  embeds: DiscordEmbed[];
  allowed_mentions: { parse: never[] };
};

function buildDiscordBody(d: Description, at: string): DiscordBody {
  const title = fitEscaped(d.title, DISCORD_LIMITS.title, escapeDiscord);
  const description = [
    `**${d.label}**${d.lines ? ` · ${d.lines}` : ""}`,
    ...(d.summary ? [fitEscaped(d.summary, BUDGET.summary, escapeDiscord)] : []),
    ...(d.excerpt
      ? [`> ${fitEscaped(d.excerpt, BUDGET.excerpt - 2, (text) => escapeDiscord(text).replaceAll("\n", "\n> "))}`]
      : []),
  ].join("\n\n");
  const fields = [
    { name: "Event", value: renderDiscordLink(d.eventUrl, fitEscaped(d.eventTitle, BUDGET.eventTitle, escapeDiscord)) },
  ];
  if (d.notes) {
    const linked = d.notes.href !== null && encodeDiscordUrl(d.notes.href).length <= LINK_URL_CHARS;
    fields.push({
      name: "Notes",
      value: linked
        ? renderDiscordLink(d.notes.href, "Open the notes")
        : fitEscaped(d.notes.text, BUDGET.label, escapeDiscord),
    });
  }
  const embed: DiscordEmbed = {
    title,
    ...(d.pageUrl && d.pageUrl.length <= LINK_URL_CHARS ? { url: d.pageUrl } : {}),
    description,
    fields,
    // Fixed: footers render no Markdown, so escaped text would show its backslashes (the event is a field).
    footer: { text: "sessionwire" },
    timestamp: at,
  };
  return {
    content: `**${d.label}**: ${fitEscaped(d.title, BUDGET.title, escapeDiscord)}`,
    embeds: [embed],
    allowed_mentions: { parse: [] },
  };
}

// Matrix (hookshot).

// Exactly the tags buildMatrixBody emits; anything else goes, with its body for script and style.
const MATRIX_SANITIZER_OPTIONS: IFilterXSSOptions = {
  whiteList: { a: ["href"], strong: [], br: [], p: [], blockquote: [] },
  stripIgnoreTag: true,
  stripIgnoreTagBody: ["script", "style"],
  css: false,
};

const escapeMatrixHtml = (text: string) => breakMentions(escapeXml(text));
const renderHtmlLink = (href: string | null, label: string) =>
  href ? `<a href="${escapeXml(href)}">${escapeMatrixHtml(label)}</a>` : escapeMatrixHtml(label);

export type MatrixBody = { text: string; html: string; username: "sessionwire" };

function buildMatrixBody(d: Description): MatrixBody {
  const notesHref = d.notes?.href && d.notes.href.length <= LINK_URL_CHARS ? d.notes.href : null;
  const what = `${d.label}${d.lines ? ` · ${d.lines}` : ""}`;
  const text = [
    `${d.title} · ${what}`,
    ...(d.summary ? [d.summary] : []),
    ...(d.excerpt ? [d.excerpt.replace(/^/gm, "> ")] : []),
    ...(d.pageUrl ? [`${d.pageLabel}: ${d.pageUrl}`] : []),
    ...(d.notes ? [`Notes: ${notesHref ?? d.notes.text}`] : []),
    `Event: ${d.eventTitle}${d.eventUrl ? ` ${d.eventUrl}` : ""} · ${d.time}`,
  ].join("\n");
  const links = [
    ...(d.pageUrl ? [renderHtmlLink(d.pageUrl, d.pageLabel)] : []),
    ...(d.notes ? [notesHref ? renderHtmlLink(notesHref, "Notes") : `Notes: ${escapeMatrixHtml(d.notes.text)}`] : []),
    renderHtmlLink(d.eventUrl, d.eventTitle),
    escapeMatrixHtml(d.time),
  ].join(" · ");
  // Inline first: hookshot prepends "<strong>sessionwire</strong>: " to the HTML.
  const html = [
    `<strong>${renderHtmlLink(d.pageUrl, d.title)}</strong> · ${escapeMatrixHtml(what)}`,
    ...(d.summary ? [`<p>${escapeMatrixHtml(d.summary)}</p>`] : []),
    ...(d.excerpt ? [`<blockquote>${escapeMatrixHtml(d.excerpt).replaceAll("\n", "<br>")}</blockquote>`] : []),
    `<p>${links}</p>`,
  ].join("\n");
  return {
    text: breakMentions(text),
    html: sanitizeHtml(html.replace(/\r\n?/g, "\n"), MATRIX_SANITIZER_OPTIONS),
    username: "sessionwire",
  };
}

export type ChatBody = SlackBody | DiscordBody | MatrixBody;

/** The body an endpoint of a chat format gets for one published change (the sender JSON-encodes and signs it). */
export function buildChatBody(format: ChatFormat, notice: ChangeNotice): ChatBody {
  const d = describeNotice(notice);
  switch (format) {
    case "slack":
      return buildSlackBody(d);
    case "discord":
      return buildDiscordBody(d, notice.change.at);
    case "matrix":
      return buildMatrixBody(d);
  }
}
