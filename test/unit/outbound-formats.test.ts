// Chat bodies (src/outbound/formats.ts): each format's shape with a real change, each platform's documented limits
// with hostile and arbitrary text, and nothing a title, summary or excerpt holds becomes a mention, a link or
// markup on the platform.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CHANGE_LABELS, CHANGE_TYPES, type Change } from "../../src/domain/changes.ts";
import type { ChangeNotice } from "../../src/outbound/notice.ts";
import {
  DISCORD_LIMITS,
  type DiscordBody,
  MATRIX_MAX_EVENT_BYTES,
  type MatrixBody,
  SLACK_LIMITS,
  type SlackBody,
  buildChatBody,
} from "../../src/outbound/formats.ts";
import { buildPublicUrl, pagePaths } from "../../src/paths.ts";
import { BASE, SESSION_URL, buildChange, hrefsOf, tagsOf } from "../helpers/mail.ts";

const EVENT_URL = buildPublicUrl(BASE, pagePaths.event("xen-2019"));
const NOTES_URL = "https://pad.example/p/xen-toolstacks?a=1&b=2";

function buildNotice(
  change: Partial<Change> = {},
  titles: { event?: string; session?: string; sessionUrl?: string } = {},
): ChangeNotice {
  const built = buildChange(change);
  return {
    change: built,
    event: { id: built.event, title: titles.event ?? "Xen Design Sessions 2019", url: EVENT_URL },
    session:
      built.session === null
        ? null
        : {
            id: built.session,
            title: titles.session ?? built.sessionTitle ?? built.session,
            url: titles.sessionUrl ?? SESSION_URL,
          },
  };
}

const slack = (notice: ChangeNotice) => buildChatBody("slack", notice) as SlackBody;
const discord = (notice: ChangeNotice) => buildChatBody("discord", notice) as DiscordBody;
const matrix = (notice: ChangeNotice) => buildChatBody("matrix", notice) as MatrixBody;

const slackTexts = (body: SlackBody) => [
  body.text,
  ...body.blocks.flatMap((block) =>
    block.type === "section" ? [block.text.text] : block.elements.map((element) => element.text),
  ),
];
const embedTexts = (body: DiscordBody) =>
  body.embeds.flatMap((e) => [e.title, e.description, ...e.fields.flatMap((f) => [f.name, f.value]), e.footer.text]);
const discordTexts = (body: DiscordBody) => [body.content, ...embedTexts(body)];
const matrixTexts = (body: MatrixBody) => [body.text, body.html];

function expectSlackLimits(body: SlackBody) {
  expect(body.text.length).toBeLessThanOrEqual(SLACK_LIMITS.text);
  expect(body.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
  for (const text of slackTexts(body).slice(1)) expect(text.length).toBeLessThanOrEqual(SLACK_LIMITS.blockText);
}

function expectDiscordLimits(body: DiscordBody) {
  expect(body.content.length).toBeLessThanOrEqual(DISCORD_LIMITS.content);
  expect(body.allowed_mentions).toEqual({ parse: [] });
  for (const embed of body.embeds) {
    expect(embed.title.length).toBeLessThanOrEqual(DISCORD_LIMITS.title);
    expect(embed.description.length).toBeLessThanOrEqual(DISCORD_LIMITS.description);
    expect(embed.fields.length).toBeLessThanOrEqual(DISCORD_LIMITS.fields);
    for (const field of embed.fields) {
      expect(field.name.length).toBeLessThanOrEqual(DISCORD_LIMITS.fieldName);
      expect(field.value.length).toBeLessThanOrEqual(DISCORD_LIMITS.fieldValue);
    }
    expect(embed.footer.text.length).toBeLessThanOrEqual(DISCORD_LIMITS.footer);
  }
  expect(embedTexts(body).join("").length).toBeLessThanOrEqual(DISCORD_LIMITS.embed);
}

function expectMatrixLimits(body: MatrixBody) {
  // Half the event limit: room for hookshot's own fields and the JSON escaping of the event around them.
  const bytes = new TextEncoder().encode(JSON.stringify({ body: body.text, formatted_body: body.html })).length;
  expect(bytes).toBeLessThanOrEqual(MATRIX_MAX_EVENT_BYTES / 2);
}

const expectWellFormed = (texts: string[]) => {
  for (const text of texts) expect(text.isWellFormed()).toBe(true);
};

/** Every `<…>` of Slack mrkdwn is one of the links the builder makes, to a URL it was given. */
function expectOnlyOwnSlackLinks(body: SlackBody, urls: string[]) {
  for (const text of slackTexts(body)) {
    for (const [, inner] of text.matchAll(/<([^>]*)>/g)) {
      const [url] = inner!.split("|");
      expect(urls.map((u) => u.replaceAll("&", "&amp;"))).toContain(url);
    }
    // What is left is text: no "<" or ">" Slack could read as a control sequence, no live "@" mention.
    expect(text.replace(/<[^>]*>/g, "").replace(/^>/gm, "")).not.toMatch(/[<>]|@(?!\u200B)/);
    expect(text).not.toMatch(/&(?!amp;|lt;|gt;)/);
  }
}

/** Every Discord masked link is one the builder makes, and no "@" or Markdown character is left unescaped. */
function expectOnlyOwnDiscordLinks(body: DiscordBody, urls: string[]) {
  for (const text of discordTexts(body)) {
    for (const [, url] of text.matchAll(/(?<!\\)\]\(([^)]*)\)/g)) expect(urls).toContain(url);
    expect(text).not.toMatch(/@(?!\u200B)/);
  }
  expect(body.embeds[0]!.url === undefined || urls.includes(body.embeds[0]!.url)).toBe(true);
}

function expectOnlyOwnMatrixMarkup(body: MatrixBody, urls: string[]) {
  expect(tagsOf(body.html).filter((tag) => !["a", "strong", "br", "p", "blockquote"].includes(tag))).toEqual([]);
  for (const href of hrefsOf(body.html)) expect(urls).toContain(href);
  for (const [tag] of body.html.matchAll(/<[a-zA-Z][^>]*>/g)) expect(tag).not.toMatch(/\son[a-z]+\s*=/i);
  for (const text of matrixTexts(body)) expect(text).not.toMatch(/@(?!\u200B)/);
}

describe("slack", () => {
  it("links the session, says what changed and quotes the excerpt, in blocks and in the text Mattermost shows", () => {
    const body = slack(buildNotice());
    expect(body.blocks).toEqual([
      {
        type: "section",
        text: {
          type: "mrkdwn",
          text: [
            `*<${SESSION_URL}|Xen Toolstacks>*`,
            "*Notes updated* · +2/\u22121 lines",
            "2 lines added, 1 removed",
            ">attendees: 7\n>- action: write design doc",
          ].join("\n"),
        },
      },
      {
        type: "context",
        elements: [
          {
            type: "mrkdwn",
            text: `<${SESSION_URL}|Session page> · <https://pad.example/p/xen-toolstacks?a=1&amp;b=2|Notes> · <${EVENT_URL}|Xen Design Sessions 2019> · 2019-07-10 12:30 UTC`,
          },
        ],
      },
    ]);
    const [section, context] = slackTexts(body).slice(1);
    expect(body.text).toBe(`${section}\n${context}`);
  });

  it("leaves out the line counts when nothing was added or removed, and the notes when there is no URL", () => {
    const text = slack(buildNotice({ linesAdded: 0, linesRemoved: 0, url: null, excerpt: "" })).text;
    expect(text).not.toMatch(/\+\d|\|Notes>|^>/m);
    expect(text).toContain("*Notes updated*\n2 lines added, 1 removed\n");
  });
});

describe("discord", () => {
  it("sends a short content line and one embed linking the session, the event and the notes", () => {
    const body = discord(buildNotice());
    expect(body).toEqual({
      content: "**Notes updated**: Xen Toolstacks",
      embeds: [
        {
          title: "Xen Toolstacks",
          url: SESSION_URL,
          description:
            "**Notes updated** · +2/\u22121 lines\n\n2 lines added, 1 removed\n\n> attendees: 7\n> \\- action: write design doc",
          fields: [
            { name: "Event", value: `[Xen Design Sessions 2019](${EVENT_URL})` },
            { name: "Notes", value: `[Open the notes](${NOTES_URL})` },
          ],
          footer: { text: "sessionwire" },
          timestamp: "2019-07-10T12:30:00Z",
        },
      ],
      allowed_mentions: { parse: [] },
    });
  });
});

describe("matrix", () => {
  it("sends hookshot's text, html and username, the HTML escaped and linked", () => {
    const body = matrix(buildNotice());
    expect(body.username).toBe("sessionwire");
    expect(body.text).toBe(
      [
        "Xen Toolstacks · Notes updated · +2/\u22121 lines",
        "2 lines added, 1 removed",
        "> attendees: 7\n> - action: write design doc",
        `Session page: ${SESSION_URL}`,
        `Notes: ${NOTES_URL}`,
        `Event: Xen Design Sessions 2019 ${EVENT_URL} · 2019-07-10 12:30 UTC`,
      ].join("\n"),
    );
    expect(body.html).toBe(
      [
        `<strong><a href="${SESSION_URL}">Xen Toolstacks</a></strong> · Notes updated · +2/\u22121 lines`,
        "<p>2 lines added, 1 removed</p>",
        "<blockquote>attendees: 7<br>- action: write design doc</blockquote>",
        `<p><a href="${SESSION_URL}">Session page</a> · <a href="https://pad.example/p/xen-toolstacks?a=1&amp;b=2">Notes</a> · <a href="${EVENT_URL}">Xen Design Sessions 2019</a> · 2019-07-10 12:30 UTC</p>`,
      ].join("\n"),
    );
  });
});

describe("every format", () => {
  it.each(CHANGE_TYPES)("renders a %s change with its label", (type) => {
    const notice = buildNotice({ type });
    expect(slack(notice).text).toContain(`*${CHANGE_LABELS[type]}*`);
    expect(discord(notice).content).toContain(`**${CHANGE_LABELS[type]}**`);
    expect(matrix(notice).text).toContain(CHANGE_LABELS[type]);
  });

  it("renders an event-level change (no session) with the event as its subject and page", () => {
    const notice = buildNotice({ type: "event.imported", session: null, sessionTitle: null, url: null });
    expect(notice.session).toBeNull();
    const s = slack(notice);
    expect(s.text).toMatch(new RegExp(`^\\*<${EVENT_URL}\\|Xen Design Sessions 2019>\\*\\n\\*Schedule imported\\*`));
    expect(s.text).toContain(`<${EVENT_URL}|Event page>`);
    const d = discord(notice);
    expect(d.content).toBe("**Schedule imported**: Xen Design Sessions 2019");
    expect(d.embeds[0]!.url).toBe(EVENT_URL);
    expect(d.embeds[0]!.fields.map((f) => f.name)).toEqual(["Event"]);
    expect(matrix(notice).text).toContain(`Event page: ${EVENT_URL}`);
    expect(matrix(notice).html).toContain(`<a href="${EVENT_URL}">Xen Design Sessions 2019</a></strong>`);
  });
});

describe("hostile notices", () => {
  const CORPUS = [
    "<!channel> <!here> <!everyone> <@U024BE7LH>",
    "@everyone @here @room @channel @all",
    "<script>alert(1)</script><img src=x onerror=alert(1)>",
    "[Session page](javascript:alert(1)) [x](https://evil.example)",
    "<https://evil.example|Session page> &lt;!channel&gt; &amp;",
    "**bold** __u__ ~~s~~ `code` ||spoiler|| # heading\n> quote",
    'x"><a href="javascript:alert(1)">y</a>',
    "x\r\n\u2028<b>\u0000\u202Eevil",
  ];
  const URLS = [SESSION_URL, EVENT_URL, NOTES_URL];

  it.each(CORPUS)("keeps %j as text in every format and field", (evil) => {
    const notice = buildNotice({ sessionTitle: evil, summary: evil, excerpt: evil }, { event: evil, session: evil });
    const s = slack(notice);
    expectSlackLimits(s);
    expectOnlyOwnSlackLinks(s, URLS);
    const d = discord(notice);
    expectDiscordLimits(d);
    expectOnlyOwnDiscordLinks(d, URLS);
    const m = matrix(notice);
    expectMatrixLimits(m);
    expectOnlyOwnMatrixMarkup(m, URLS);
  });

  it("shows what hostile text says, escaped for each platform", () => {
    const notice = buildNotice({}, { session: "<!channel> @everyone [x](https://evil.example) <script>" });
    expect(slack(notice).text).toContain(
      "&lt;!channel&gt; @\u200Beveryone [x]\u200B(https://evil.example) &lt;script&gt;",
    );
    expect(discord(notice).embeds[0]!.title).toBe(
      "\\<!channel\\> @\u200Beveryone \\[x\\]\\(https://evil.example\\) \\<script\\>",
    );
    expect(matrix(notice).html).toContain("&lt;!channel&gt; @\u200Beveryone [x](https://evil.example) &lt;script&gt;");
  });

  it("never links a script or data URL given as the notes URL", () => {
    for (const url of ["javascript:alert(1)", " \tJaVaScRiPt:alert(1)", "data:text/html,<script>alert(1)</script>"]) {
      const notice = buildNotice({ url });
      expectOnlyOwnSlackLinks(slack(notice), [SESSION_URL, EVENT_URL]);
      expectOnlyOwnDiscordLinks(discord(notice), [SESSION_URL, EVENT_URL]);
      expectOnlyOwnMatrixMarkup(matrix(notice), [SESSION_URL, EVENT_URL]);
      expect(JSON.stringify(buildChatBody("slack", notice))).not.toMatch(/javascript|data:/i);
    }
  });

  it("shows a notes URL too long to link shortened, unlinked", () => {
    const url = `https://pad.example/${"a&b".repeat(600)}`;
    const notice = buildNotice({ url });
    expect(slack(notice).text).toMatch(/ · Notes: https:\/\/pad\.example\/a&amp;ba.*…/);
    expect(discord(notice).embeds[0]!.fields[1]!.value).toMatch(/^https:\/\/pad\.example\/a&ba.*…$/);
    expect(hrefsOf(matrix(notice).html)).not.toContain(url);
    for (const body of [slack(notice), discord(notice), matrix(notice)])
      expect(JSON.stringify(body)).not.toContain(url);
  });

  it("stays within every limit with 10,000-character texts, escaping at every cut", () => {
    const long = "&<>@*_[]()".repeat(1000);
    const sessionUrl = `https://sessions.example/${"b".repeat(175)}/events/${"e".repeat(200)}/sessions/${"s".repeat(200)}`;
    const notice = buildNotice(
      {
        summary: long,
        excerpt: `${"&".repeat(19)}\n`.repeat(500),
        sessionTitle: long,
        url: `https://pad.example/?${"&".repeat(1900)}`,
      },
      // A page URL as long as a site's can be: MAX_SITE_URL_CHARS and two slugs at their limit.
      { event: long, session: long, sessionUrl },
    );
    const s = slack(notice);
    expectSlackLimits(s);
    expectOnlyOwnSlackLinks(s, URLS.concat(notice.change.url!, sessionUrl));
    expect(s.text).toContain(`<${sessionUrl}|Session page>`);
    expectDiscordLimits(discord(notice));
    expectMatrixLimits(matrix(notice));
    // A cut never leaves half an escape: Slack's entities and Discord's backslashes come whole before the "…".
    for (const text of slackTexts(s)) expect(text).not.toMatch(/&[a-z]*…/);
    for (const text of discordTexts(discord(notice))) expect(text).not.toMatch(/(?<!\\)(\\\\)*\\…/);
  });

  it("cuts between graphemes: an emoji at the cut point is kept whole or left out", () => {
    const family = "👨‍👩‍👧‍👦";
    for (let prefix = 0; prefix < 12; prefix++) {
      const title = `${"a".repeat(prefix)}${family.repeat(60)}`;
      const notice = buildNotice({ summary: title.repeat(3) }, { session: title, event: title });
      const bodies = [slackTexts(slack(notice)), discordTexts(discord(notice)), matrixTexts(matrix(notice))];
      for (const texts of bodies) expectWellFormed(texts);
      const cut = discord(notice).embeds[0]!.title;
      expect(cut.endsWith("…")).toBe(true);
      expect(cut.slice(prefix, -1).replaceAll(family, "")).toBe("");
    }
  });
});

describe("arbitrary text", () => {
  it("keeps every limit and gives JSON that round-trips, for any titles, summary, excerpt and URL", () => {
    const unit = fc.oneof(
      fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
      fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
      fc.constantFrom("&", "<", ">", "@", "[", "]", "(", ")", "\\", "*", "|", "\r\n", "👨‍👩‍👧‍👦", "\u200D"),
    );
    const text = fc.string({ unit, maxLength: 400 });
    fc.assert(
      fc.property(
        text,
        text,
        text,
        text,
        fc.oneof(fc.webUrl(), text),
        fc.constantFrom(...CHANGE_TYPES),
        fc.boolean(),
        (session, event, summary, excerpt, url, type, hasSession) => {
          const notice = buildNotice(
            { type, summary, excerpt, url, ...(hasSession ? {} : { session: null, sessionTitle: null }) },
            { session, event },
          );
          const s = slack(notice);
          const d = discord(notice);
          const m = matrix(notice);
          expectSlackLimits(s);
          expectDiscordLimits(d);
          expectMatrixLimits(m);
          for (const body of [s, d, m]) expect(JSON.parse(JSON.stringify(body))).toEqual(body);
          expectWellFormed([...slackTexts(s), ...discordTexts(d), ...matrixTexts(m)]);
        },
      ),
      { numRuns: 200 },
    );
  });
});
