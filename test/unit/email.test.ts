import { env } from "cloudflare:workers";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Change } from "../../src/domain/changes.ts";
import {
  MAX_DIGEST_CHANGES,
  MAX_EVENT_TITLE_CHARS,
  MAX_EXCERPT_CHARS,
  MAX_ITEM_TITLE_CHARS,
  MAX_SUMMARY_CHARS,
  MAX_URL_CHARS,
} from "../../src/domain/limits.ts";
import { MAIL_SANITIZER_OPTIONS, sanitizeHtml } from "../../src/feeds/content.ts";
import { escapeXml } from "../../src/feeds/escape.ts";
import { buildPublicUrl, feedPaths, pagePaths, subscriptionPaths } from "../../src/paths.ts";
import {
  buildChangeMail,
  buildConfirmMail,
  buildDigestMail,
  buildSubject,
  MAX_SUBJECT_LENGTH,
} from "../../src/email/message.ts";
import { MailError, type MailMessage } from "../../src/email/model.ts";
import { CONFIRM_TOKEN_TTL_SECONDS, signToken, verifyToken } from "../../src/email/tokens.ts";
import { type ConfigEnv, readConfig } from "../../src/config.ts";
import { buildBindingTransport, buildHttpTransport, selectTransport } from "../../src/email/transport.ts";

// Builders first (subject, headers, parts, hostile input), then the two transports and their error mapping,
// then the signed tokens the mails link to.

const BASE = "https://sessions.example";
const SESSION_URL = buildPublicUrl(BASE, pagePaths.session("xen-2019", "xen-toolstacks"));
const FEED_URL = buildPublicUrl(BASE, feedPaths.session("xen-2019", "xen-toolstacks", "atom"));
const UNSUBSCRIBE_URL = buildPublicUrl(BASE, subscriptionPaths.unsubscribe("abc.def"));
const CONFIRM_URL = buildPublicUrl(BASE, subscriptionPaths.confirm("c.d"));
const FROM = "sessionwire <notes@sessionwire.example>";
const TO = "ada@example.org";

const buildChange = (overrides: Partial<Change> = {}): Change => ({
  id: "chg-2",
  event: "xen-2019",
  seq: 2,
  session: "xen-toolstacks",
  sessionTitle: "Xen Toolstacks",
  type: "notes.updated",
  url: "https://pad.example/p/xen-toolstacks?a=1&b=2",
  summary: "2 lines added, 1 removed",
  excerpt: "attendees: 7\n- action: write design doc",
  linesAdded: 2,
  linesRemoved: 1,
  at: "2019-07-10T12:30:00Z",
  ...overrides,
});
const changeMail = (change: Partial<Change> = {}, overrides: { eventTitle?: string; unsubscribeUrl?: string } = {}) =>
  buildChangeMail({
    from: FROM,
    to: TO,
    change: buildChange(change),
    eventTitle: "Xen Design Sessions 2019",
    baseUrl: BASE,
    unsubscribeUrl: UNSUBSCRIBE_URL,
    ...overrides,
  });
const digestMail = (changes: Change[], scopeTitle = "Xen Design Sessions 2019", sessionId = "") =>
  buildDigestMail({
    from: FROM,
    to: TO,
    scopeTitle,
    scope: { eventId: "xen-2019", sessionId },
    changes,
    eventTitles: new Map([["xen-2019", "Xen Design Sessions 2019"]]),
    baseUrl: BASE,
    unsubscribeUrl: UNSUBSCRIBE_URL,
    day: "2019-07-10",
  });
const confirmMail = (scopeTitle = "Xen Toolstacks", confirmUrl = CONFIRM_URL) =>
  buildConfirmMail({ from: FROM, to: TO, scopeTitle, confirmUrl });

const isOneLine = (text: string) => !/[\p{Cc}\u2028\u2029]/u.test(text);

describe("buildSubject", () => {
  it.each([
    ["x\r\nBcc: a@b.c", "x Bcc: a@b.c"],
    ["x\nBcc: a@b.c", "x Bcc: a@b.c"],
    ["x\rBcc: a@b.c", "x Bcc: a@b.c"],
    ["a\u2028b\u2029c", "a b c"],
    ["a\u0085b\u009Bc\u007Fd", "a b c d"],
    ["a\0\t\x1Bb", "a b"],
    ["  lots \r\n\r\n  of   space  ", "lots of space"],
  ])("folds %j to one line", (input, expected) => {
    expect(buildSubject(input)).toBe(expected);
  });

  it("keeps a subject of exactly 998 characters and cuts a longer one with an ellipsis", () => {
    expect(buildSubject("a".repeat(998))).toBe("a".repeat(998));
    const cut = buildSubject("word ".repeat(400));
    expect(cut).toBe(`${"word ".repeat(200).slice(0, 997).trimEnd()}…`);
    expect(buildSubject("x".repeat(2000))).toBe(`${"x".repeat(997)}…`);
  });

  it("never splits a surrogate pair at the cut", () => {
    for (const prefix of [995, 996, 997]) {
      const subject = buildSubject(`${"a".repeat(prefix)}${"😀".repeat(10)}`);
      expect(subject.length).toBeLessThanOrEqual(MAX_SUBJECT_LENGTH);
      expect(subject.isWellFormed()).toBe(true);
      expect(subject.endsWith("…")).toBe(true);
    }
  });

  it("gives one well-formed line of at most 998 characters for any text", () => {
    const unit = fc.oneof(
      fc.constantFrom("\r", "\n", "\u2028", "\u2029", "\u0085", "\t", "\0", " ", "😀"),
      fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
    );
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 1500 }), (text) => {
        const subject = buildSubject(text);
        return isOneLine(subject) && subject.length <= MAX_SUBJECT_LENGTH && subject.isWellFormed();
      }),
    );
  });
});

describe("buildChangeMail", () => {
  it("names the change and the session in the subject, falling back to the event title", () => {
    expect(changeMail().subject).toBe("Notes updated: Xen Toolstacks");
    const eventLevel = changeMail({ type: "session.added", session: null, sessionTitle: null });
    expect(eventLevel.subject).toBe("Session added: Xen Design Sessions 2019");
    expect(eventLevel.text).toContain(`Session: ${buildPublicUrl(BASE, pagePaths.event("xen-2019"))}\n`);
    expect(eventLevel.text).toContain(`Atom feed: ${buildPublicUrl(BASE, feedPaths.event("xen-2019", "atom"))}`);
  });

  it("carries exactly the RFC 8058 headers", () => {
    expect(changeMail().headers).toEqual({
      "List-Unsubscribe": `<${UNSUBSCRIBE_URL}>`,
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    });
    expect(changeMail().from).toBe(FROM);
    expect(changeMail().to).toBe(TO);
  });

  it("says what changed and links the session, the notes, the feed and unsubscribe, in both parts", () => {
    const { text, html } = changeMail();
    for (const part of [text, html]) {
      expect(part).toContain("2 lines added, 1 removed");
      expect(part).toContain("Xen Design Sessions 2019");
      expect(part).toContain("2019-07-10 12:30 UTC");
    }
    expect(text).toContain("    attendees: 7\n    - action: write design doc");
    expect(text).toContain(`Session: ${SESSION_URL}\n`);
    expect(text).toContain("Notes: https://pad.example/p/xen-toolstacks?a=1&b=2\n");
    expect(text).toContain(`Atom feed: ${FEED_URL}\n`);
    expect(text).toMatch(new RegExp(`\\n-- \\n.*\\nUnsubscribe: ${UNSUBSCRIBE_URL.replace(/[.?]/g, "\\$&")}\\n$`));

    expect(html).toContain("attendees: 7\n- action: write design doc</pre>");
    expect(hrefsOf(html)).toEqual([
      SESSION_URL,
      "https://pad.example/p/xen-toolstacks?a=1&b=2",
      FEED_URL,
      UNSUBSCRIBE_URL,
    ]);
    expect(html).toMatch(/>Unsubscribe<\/a>/);
  });

  it("leaves out the notes link when there is none or it is not http(s), and the excerpt when empty", () => {
    for (const url of [null, "javascript:alert(1)", "ftp://pad.example/x"]) {
      const { text, html } = changeMail({ url, excerpt: "" });
      expect(text).not.toContain("Notes:");
      expect(html).not.toContain("<pre");
      expect(hrefsOf(html)).toEqual([SESSION_URL, FEED_URL, UNSUBSCRIBE_URL]);
    }
  });

  it("keeps to a small inline-styled layout: no table, style element, script or external resource", () => {
    const { html } = changeMail();
    expect(tagsOf(html).every((tag) => ["div", "p", "pre", "strong", "a"].includes(tag))).toBe(true);
    expect(html).toMatch(/^<div style="[^"]*font-family:/);
    expect(html).not.toMatch(/<table|<style|<link|<img|src=/i);
  });
});

describe("buildDigestMail", () => {
  const changes = [
    buildChange({ id: "chg-1", seq: 1, summary: "first", at: "2019-07-10T08:00:00Z" }),
    buildChange({ id: "chg-3", seq: 3, summary: "third", at: "2019-07-10T18:00:00.5Z" }),
    buildChange({
      id: "chg-2",
      seq: 2,
      summary: "second",
      at: "2019-07-10T18:00:00Z",
      session: null,
      sessionTitle: null,
    }),
  ];

  it("lists the day's changes newest first, in both parts", () => {
    const { text, html } = digestMail(changes);
    for (const part of [text, html]) {
      const order = ["third", "second", "first"].map((summary) => part.indexOf(summary));
      expect(order.every((at) => at >= 0)).toBe(true);
      expect(order).toEqual([...order].sort((a, b) => a - b));
      expect(part).toContain("Daily digest for 2019-07-10: 3 changes in Xen Design Sessions 2019");
    }
    expect(hrefsOf(html).filter((href) => href === FEED_URL)).toHaveLength(2);
    expect(hrefsOf(html).at(-1)).toBe(UNSUBSCRIBE_URL);
    expect(text).toContain(`Unsubscribe: ${UNSUBSCRIBE_URL}\n`);
  });

  describe("a busy day", () => {
    const many = (n: number, overrides: Partial<Change> = {}) =>
      Array.from({ length: n }, (_, i) =>
        buildChange({
          id: `chg-${i}`,
          seq: i + 1,
          summary: `change number ${i + 1}.`,
          at: new Date(Date.UTC(2019, 6, 10, 0, i)).toISOString(),
          ...overrides,
        }),
      );
    const EVENT_PAGE = buildPublicUrl(BASE, pagePaths.event("xen-2019"));

    it("lists the newest MAX_DIGEST_CHANGES and links the rest, in both parts", () => {
      const changes = many(MAX_DIGEST_CHANGES + 5, { session: null, sessionTitle: null });
      const { subject, text, html } = digestMail(changes);
      expect(subject).toBe(`Daily digest: ${MAX_DIGEST_CHANGES + 5} changes in Xen Design Sessions 2019`);
      for (const part of [text, html]) {
        expect(part).toContain(`change number ${MAX_DIGEST_CHANGES + 5}.`);
        expect(part).toContain(`change number 6.`);
        expect(part).not.toContain(`change number 5.`);
        expect(part.match(/change number \d+\./g)).toHaveLength(MAX_DIGEST_CHANGES);
      }
      expect(text).toContain(`\nand 5 more changes: ${EVENT_PAGE}\n`);
      expect(html).toContain(`and 5 more changes: <a href="${EVENT_PAGE}" style="color:#0969da;">${EVENT_PAGE}</a>`);
    });

    it("links the page of what was subscribed to: the session's, or the event's", () => {
      const changes = many(MAX_DIGEST_CHANGES + 1);
      expect(digestMail(changes, "Xen Toolstacks", "xen-toolstacks").text).toContain(
        `and 1 more change: ${SESSION_URL}\n`,
      );
      expect(digestMail(changes).text).toContain(`and 1 more change: ${EVENT_PAGE}\n`);
    });

    it("has no such line when every change is listed", () => {
      const { text, html } = digestMail(many(MAX_DIGEST_CHANGES));
      for (const part of [text, html]) expect(part).not.toMatch(/more change/);
    });
  });

  it("counts the changes in the subject and carries the RFC 8058 headers", () => {
    const mail = digestMail(changes);
    expect(mail.subject).toBe("Daily digest: 3 changes in Xen Design Sessions 2019");
    expect(digestMail(changes.slice(0, 1)).subject).toBe("Daily digest: 1 change in Xen Design Sessions 2019");
    expect(mail.headers).toEqual(changeMail().headers);
  });
});

describe("buildConfirmMail", () => {
  it("says what was asked, links the confirmation, says ignoring is fine, and has no List-Unsubscribe", () => {
    const { subject, text, html, headers } = confirmMail();
    expect(subject).toBe("Confirm your subscription to Xen Toolstacks");
    expect(headers).toEqual({});
    for (const part of [text, html]) {
      expect(part).toContain("when the notes of Xen Toolstacks change");
      expect(part).toContain(`${CONFIRM_TOKEN_TTL_SECONDS / 86_400} days`);
      expect(part).toMatch(/ignore this mail/);
    }
    expect(text).toContain(`\n${CONFIRM_URL}\n`);
    expect(hrefsOf(html)).toEqual([CONFIRM_URL]);
  });
});

// Every tag name and every href of an HTML string: the sanitizer's output is regular enough to read this way,
// and anything a browser would treat as markup starts with "<" followed by a letter, "/" or "!".
const tagsOf = (html: string) => [...html.matchAll(/<\/?([a-zA-Z][\w-]*)/g)].map((m) => m[1]!.toLowerCase());
const hrefsOf = (html: string) =>
  [...html.matchAll(/<a\s[^>]*href="([^"]*)"/g)].map((m) => m[1]!.replace(/&amp;/g, "&"));

describe("hostile input", () => {
  const CORPUS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)><circle/></svg>",
    '"><style>*{display:none}</style>',
    "</pre><script>alert(1)</script><pre>",
    "<a href=\"javascript:alert(1)\" onclick='alert(1)'>x</a>",
    "' onmouseover='alert(1)",
    "<iframe src=//evil.example></iframe>",
    "<!--<img src=x onerror=alert(1)>-->",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "x\r\nBcc: victim@example.org\u2028<b>",
  ];
  const URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " \tjavascript:alert(1)",
    "&#106;avascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    'https://evil.example/"><script>alert(1)</script>',
    "vbscript:msgbox(1)",
  ];

  const expectNoLiveMarkup = (html: string) => {
    expect(tagsOf(html).filter((tag) => !["div", "p", "pre", "strong", "a"].includes(tag))).toEqual([]);
    expect(html).not.toMatch(/<!--/);
    for (const [tag] of html.matchAll(/<[a-zA-Z][^>]*>/g)) {
      expect(tag).not.toMatch(/\son[a-z]+\s*=/i);
      expect(tag).not.toMatch(/url\(|expression\(/i);
    }
    for (const href of hrefsOf(html)) expect(href).toMatch(/^https?:\/\//);
  };

  it.each(CORPUS)("yields no live markup from %j in titles, summary and excerpt", (evil) => {
    const mails: MailMessage[] = [
      changeMail({ sessionTitle: evil, summary: evil, excerpt: evil }, { eventTitle: evil }),
      changeMail({ sessionTitle: null, session: null }, { eventTitle: evil }),
      digestMail([buildChange({ sessionTitle: evil, summary: evil, excerpt: evil })], evil),
      confirmMail(evil),
    ];
    for (const mail of mails) {
      expectNoLiveMarkup(mail.html);
      expect(isOneLine(mail.subject)).toBe(true);
    }
    // The text survives as text: escaped in the HTML, as it is in the text part.
    expect(mails[0]!.html).toContain(escapeXml(evil.replace(/\r\n?/g, "\n")));
    expect(mails[0]!.text).toContain(evil.split(/[\r\n]/)[0]!);
  });

  it.each(URLS)("never makes a link of %j, as notes, unsubscribe or confirmation URL", (url) => {
    const mails = [
      changeMail({ url }),
      changeMail({}, { unsubscribeUrl: url }),
      digestMail([buildChange({ url })]),
      confirmMail("Xen", url),
    ];
    for (const mail of mails) expectNoLiveMarkup(mail.html);
    expect(hrefsOf(mails[0]!.html)).toHaveLength(url.startsWith("https:") ? 4 : 3);
  });

  it("renders small and clean from changes as large as issue 8's", () => {
    const huge = "<&>\"'\u202E".repeat(400_000);
    const evil = buildChange({
      sessionTitle: huge,
      summary: huge,
      excerpt: huge,
      url: `https://pad.example/?${"&".repeat(2020)}`,
    });
    const mails = [
      changeMail(evil, { eventTitle: huge }),
      digestMail(
        Array.from({ length: 100 }, (_, i) => ({ ...evil, id: `chg-${i}`, seq: i + 1 })),
        huge,
      ),
    ];
    // Per change: its title, event title, summary, excerpt, notes URL and three page or feed URLs (~100 each),
    // each character at most 6 bytes once HTML-escaped; the digest lists at most MAX_DIGEST_CHANGES.
    const perChange =
      6 * (MAX_ITEM_TITLE_CHARS + MAX_EVENT_TITLE_CHARS + MAX_SUMMARY_CHARS + MAX_EXCERPT_CHARS + MAX_URL_CHARS + 300) +
      1024;
    const [single, digest] = mails.map((m) => m.text.length + m.html.length);
    expect(single).toBeLessThan(2 * perChange + 2048);
    expect(digest).toBeLessThan(2 * MAX_DIGEST_CHANGES * perChange + 2048);
    for (const mail of mails) {
      expect(mail.subject.length).toBeLessThanOrEqual(MAX_SUBJECT_LENGTH);
      for (const part of [mail.subject, mail.text, mail.html]) expect(part).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
    }
    expect(mails[0]!.subject).toHaveLength(MAX_ITEM_TITLE_CHARS);
    expect(mails[0]!.text).toContain(`Notes: https://pad.example/?${"&".repeat(2020)}\n`);
  });

  it("the mail sanitizer really rewrites markup in workerd (it is not a no-op)", () => {
    const evil = '<p style="color:red;background:url(//x)" onclick="x()">a<script>b</script><img src=x>c</p>';
    expect(sanitizeHtml(evil, MAIL_SANITIZER_OPTIONS)).toBe('<p style="color:red;">ac</p>');
    expect(sanitizeHtml('<a href="javascript:alert(1)">x</a>', MAIL_SANITIZER_OPTIONS)).toBe("<a href>x</a>");
  });
});

const MESSAGE: MailMessage = changeMail();
const LEDGER_ID = "chg-2:sub-7";

afterEach(() => {
  vi.restoreAllMocks();
});

const codedError = (code: string) => Object.assign(new Error(`failed: ${code}`), { code });
const fakeBinding = (send: SendEmail["send"]) => ({ send }) as SendEmail;
async function caught(promise: Promise<unknown>): Promise<MailError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MailError);
  return error as MailError;
}

describe("buildBindingTransport", () => {
  it("sends the structured fields through the real (simulated) send_email binding", async () => {
    const send = vi.spyOn(env.EMAIL, "send");
    const result = await buildBindingTransport(env.EMAIL).send(MESSAGE, LEDGER_ID);
    expect(result.messageId).toEqual(expect.any(String));
    expect(result.messageId.length).toBeGreaterThan(0);
    expect(send).toHaveBeenCalledWith({
      from: { name: "sessionwire", email: "notes@sessionwire.example" },
      to: TO,
      subject: MESSAGE.subject,
      text: MESSAGE.text,
      html: MESSAGE.html,
      headers: MESSAGE.headers,
    });
  });

  it("passes a bare From address as it is", async () => {
    const send = vi.fn(async () => ({ messageId: "m-1" }));
    await buildBindingTransport(fakeBinding(send)).send({ ...MESSAGE, from: "notes@sessionwire.example" }, LEDGER_ID);
    expect(send).toHaveBeenCalledWith(expect.objectContaining({ from: "notes@sessionwire.example" }));
  });

  it.each([
    ["E_RATE_LIMIT_EXCEEDED", "rate-limit"],
    ["E_DAILY_LIMIT_EXCEEDED", "rate-limit"],
    ["E_RECIPIENT_SUPPRESSED", "permanent"],
    ["E_RECIPIENT_INVALID", "permanent"],
    ["E_RECIPIENT_NOT_ALLOWED", "permanent"],
    ["E_VALIDATION_ERROR", "permanent"],
    ["E_FIELD_MISSING", "permanent"],
    ["E_TOO_MANY_RECIPIENTS", "permanent"],
    ["E_CONTENT_TOO_LARGE", "permanent"],
    ["E_HEADER_NOT_ALLOWED", "permanent"],
    ["E_HEADER_USE_API_FIELD", "permanent"],
    ["E_HEADER_VALUE_INVALID", "permanent"],
    ["E_HEADER_VALUE_TOO_LONG", "permanent"],
    ["E_HEADER_NAME_INVALID", "permanent"],
    ["E_HEADERS_TOO_LARGE", "permanent"],
    ["E_HEADERS_TOO_MANY", "permanent"],
    ["E_SENDER_NOT_VERIFIED", "transient"],
    ["E_SENDER_DOMAIN_NOT_AVAILABLE", "transient"],
    ["E_DELIVERY_FAILED", "transient"],
    ["E_INTERNAL_SERVER_ERROR", "transient"],
    ["E_SOMETHING_NEW", "transient"],
  ])("maps %s to %s, keeping the code", async (code, kind) => {
    const transport = buildBindingTransport(fakeBinding(() => Promise.reject(codedError(code))));
    const error = await caught(transport.send(MESSAGE, LEDGER_ID));
    expect(error).toMatchObject({ kind, code, message: `failed: ${code}` });
  });

  it("treats an error without a code as transient", async () => {
    const transport = buildBindingTransport(fakeBinding(() => Promise.reject(new Error("email to x not allowed"))));
    expect(await caught(transport.send(MESSAGE, LEDGER_ID))).toMatchObject({ kind: "transient", code: undefined });
  });
});

describe("buildHttpTransport", () => {
  const API = "https://api.mail.example/emails";
  const transport = (timeoutMs?: number) => buildHttpTransport({ url: API, apiKey: "key-1", timeoutMs });

  it("POSTs the message as JSON with the key and the ledger id as Idempotency-Key", async () => {
    const fetchSpy = vi.spyOn(globalThis, "fetch").mockResolvedValue(Response.json({ id: "re_123" }));
    expect(await transport().send(MESSAGE, LEDGER_ID)).toEqual({ messageId: "re_123" });
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    const [url, init] = fetchSpy.mock.calls[0]!;
    expect(url).toBe(API);
    expect(init?.method).toBe("POST");
    expect(init?.signal).toBeInstanceOf(AbortSignal);
    const headers = new Headers(init?.headers);
    expect(headers.get("authorization")).toBe("Bearer key-1");
    expect(headers.get("idempotency-key")).toBe(LEDGER_ID);
    expect(headers.get("content-type")).toBe("application/json");
    expect(JSON.parse(String(init?.body))).toEqual({
      from: FROM,
      to: [TO],
      subject: MESSAGE.subject,
      text: MESSAGE.text,
      html: MESSAGE.html,
      headers: MESSAGE.headers,
    });
  });

  it("uses the fetch it is given", async () => {
    const fetchFake = vi.fn(async () => Response.json({ id: "re_9" }));
    const sent = await buildHttpTransport({ url: API, apiKey: "k", fetch: fetchFake }).send(MESSAGE, LEDGER_ID);
    expect(sent).toEqual({ messageId: "re_9" });
    expect(fetchFake).toHaveBeenCalledTimes(1);
  });

  it.each([
    [429, "rate-limit"],
    [400, "permanent"],
    [422, "permanent"],
    [401, "transient"],
    [403, "transient"],
    [409, "transient"],
    [500, "transient"],
    [503, "transient"],
  ])("maps HTTP %i to %s", async (status, kind) => {
    const body = { statusCode: status, name: "some_error", message: "nope" };
    vi.spyOn(globalThis, "fetch").mockResolvedValue(Response.json(body, { status }));
    const error = await caught(transport().send(MESSAGE, LEDGER_ID));
    expect(error).toMatchObject({ kind, code: `HTTP_${status}` });
    expect(error.message).toContain("nope");
  });

  it("treats a 200 without a message id as transient (the Idempotency-Key makes the retry safe)", async () => {
    vi.spyOn(globalThis, "fetch").mockResolvedValue(new Response("<html>ok</html>"));
    expect(await caught(transport().send(MESSAGE, LEDGER_ID))).toMatchObject({ kind: "transient", code: "HTTP_200" });
  });

  it("treats a network error as transient", async () => {
    vi.spyOn(globalThis, "fetch").mockRejectedValue(new TypeError("Network connection lost."));
    const error = await caught(transport().send(MESSAGE, LEDGER_ID));
    expect(error).toMatchObject({ kind: "transient" });
    expect(error.message).toContain("Network connection lost.");
  });

  it("gives up after its timeout, as transient", async () => {
    vi.spyOn(globalThis, "fetch").mockImplementation(
      (_input, init) =>
        new Promise((_resolve, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal?.reason))),
    );
    const started = Date.now();
    expect(await caught(transport(50).send(MESSAGE, LEDGER_ID))).toMatchObject({ kind: "transient" });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe("selectTransport", () => {
  const select = (
    MAIL_TRANSPORT: string,
    send = vi.fn(async () => ({ messageId: "cf-1" })),
    overrides: ConfigEnv = {},
  ) =>
    selectTransport(
      fakeBinding(send),
      readConfig({
        MAIL_TRANSPORT,
        MAIL_API_URL: "https://api.mail.example/emails",
        MAIL_API_KEY: "key-1",
        ...overrides,
      }).mail,
    );

  it.each(["binding", ""])("uses the binding for %j", async (value) => {
    const send = vi.fn(async () => ({ messageId: "cf-1" }));
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    expect(await select(value, send).send(MESSAGE, LEDGER_ID)).toEqual({ messageId: "cf-1" });
    expect(send).toHaveBeenCalledTimes(1);
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it("uses the HTTP API for http", async () => {
    const send = vi.fn(async () => ({ messageId: "cf-1" }));
    const fetchSpy = vi.spyOn(globalThis, "fetch").mockResolvedValue(Response.json({ id: "re_1" }));
    expect(await select("http", send).send(MESSAGE, LEDGER_ID)).toEqual({ messageId: "re_1" });
    expect(fetchSpy.mock.calls[0]?.[0]).toBe("https://api.mail.example/emails");
    expect(send).not.toHaveBeenCalled();
  });

  it("rejects unknown values and an http transport without a key", () => {
    for (const value of ["smtp", "Binding", "http "])
      expect(() => select(value)).toThrow(/MAIL_TRANSPORT must be "binding" or "http"/);
    expect(() => select("http", undefined, { MAIL_API_KEY: "" })).toThrow(/MAIL_API_KEY/);
  });

  it("the repository's configuration selects a working transport", async () => {
    const sent = await selectTransport(env.EMAIL, readConfig(env).mail).send(MESSAGE, LEDGER_ID);
    expect(sent.messageId).toEqual(expect.any(String));
  });
});

describe("tokens", () => {
  const SECRET = "test-subscription-secret";
  const NOW = new Date("2026-03-01T10:00:00Z");
  const later = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);
  const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

  it.each(["confirm", "unsubscribe"] as const)("round-trips a %s token, and only for that purpose", async (purpose) => {
    const token = await signToken(SECRET, purpose, "sub-42", NOW);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(await verifyToken(SECRET, token, purpose, NOW)).toBe("sub-42");
    const other = purpose === "confirm" ? "unsubscribe" : "confirm";
    expect(await verifyToken(SECRET, token, other, NOW)).toBeNull();
  });

  it("rejects a token signed with another secret", async () => {
    const token = await signToken("another-secret", "unsubscribe", "sub-42", NOW);
    expect(await verifyToken(SECRET, token, "unsubscribe", NOW)).toBeNull();
  });

  it("rejects every single-character change to the body or the signature", async () => {
    const token = await signToken(SECRET, "unsubscribe", "sub-42", NOW);
    const accepted: string[] = [];
    for (let i = 0; i < token.length; i++) {
      for (const c of ALPHABET + ".=+/ ") {
        if (c === token[i]) continue;
        const tampered = token.slice(0, i) + c + token.slice(i + 1);
        if ((await verifyToken(SECRET, tampered, "unsubscribe", NOW)) !== null) accepted.push(tampered);
      }
    }
    expect(accepted).toEqual([]);
  });

  it("rejects malformed tokens", async () => {
    const token = await signToken(SECRET, "unsubscribe", "sub-42", NOW);
    for (const bad of ["", ".", token.split(".")[0]!, `${token}A`, `${token}.x`, token.replace(".", "")])
      expect(await verifyToken(SECRET, bad, "unsubscribe", NOW)).toBeNull();
  });

  it("expires a confirmation token after its TTL", async () => {
    const token = await signToken(SECRET, "confirm", "sub-42", NOW);
    expect(await verifyToken(SECRET, token, "confirm", later(CONFIRM_TOKEN_TTL_SECONDS))).toBe("sub-42");
    expect(await verifyToken(SECRET, token, "confirm", later(CONFIRM_TOKEN_TTL_SECONDS + 1))).toBeNull();
  });

  it("never expires an unsubscribe token", async () => {
    const token = await signToken(SECRET, "unsubscribe", "sub-42", NOW);
    expect(await verifyToken(SECRET, token, "unsubscribe", later(100 * 365 * 86_400))).toBe("sub-42");
  });
});
