// The mail builders, pure: subjects (one line, bounded), the change, digest and confirmation mails with their
// headers (List-Unsubscribe, one-click), text and HTML parts, links (the manage page's in every mail) and bounds.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Change } from "../../src/domain/changes.ts";
import { MAX_DIGEST_CHANGES } from "../../src/domain/limits.ts";
import { buildPublicUrl, feedPaths, pagePaths } from "../../src/paths.ts";
import { buildSubject, MAX_SUBJECT_LENGTH } from "../../src/email/message.ts";
import { CONFIRM_TOKEN_TTL_SECONDS } from "../../src/email/tokens.ts";
import {
  BASE,
  CONFIRM_URL,
  FEED_URL,
  FROM,
  MANAGE_URL,
  SESSION_URL,
  TO,
  UNSUBSCRIBE_URL,
  buildChange,
  changeMail,
  confirmMail,
  digestMail,
  hrefsOf,
  isOneLine,
  tagsOf,
} from "../helpers/mail.ts";

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

  it("says what changed and links the session, the notes, the feed, unsubscribe and manage, in both parts", () => {
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
    const escape = (url: string) => url.replace(/[.?]/g, "\\$&");
    expect(text).toMatch(
      new RegExp(
        `\\n-- \\n.*\\nUnsubscribe: ${escape(UNSUBSCRIBE_URL)}\\nManage your subscriptions: ${escape(MANAGE_URL)}\\n$`,
      ),
    );

    expect(html).toContain("attendees: 7\n- action: write design doc</pre>");
    expect(hrefsOf(html)).toEqual([
      SESSION_URL,
      "https://pad.example/p/xen-toolstacks?a=1&b=2",
      FEED_URL,
      UNSUBSCRIBE_URL,
      MANAGE_URL,
    ]);
    expect(html).toMatch(/>Unsubscribe<\/a>/);
    expect(html).toMatch(/>Manage your subscriptions<\/a>/);
  });

  it("leaves out the notes link when there is none or it is not http(s), and the excerpt when empty", () => {
    for (const url of [null, "javascript:alert(1)", "ftp://pad.example/x"]) {
      const { text, html } = changeMail({ url, excerpt: "" });
      expect(text).not.toContain("Notes:");
      expect(html).not.toContain("<pre");
      expect(hrefsOf(html)).toEqual([SESSION_URL, FEED_URL, UNSUBSCRIBE_URL, MANAGE_URL]);
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
    expect(hrefsOf(html).slice(-2)).toEqual([UNSUBSCRIBE_URL, MANAGE_URL]);
    expect(text).toContain(`Unsubscribe: ${UNSUBSCRIBE_URL}\nManage your subscriptions: ${MANAGE_URL}\n`);
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
  it("says what was asked, links the confirmation and the manage page, says ignoring is fine, no List-Unsubscribe", () => {
    const { subject, text, html, headers } = confirmMail();
    expect(subject).toBe("Confirm your subscription to Xen Toolstacks");
    expect(headers).toEqual({});
    for (const part of [text, html]) {
      expect(part).toContain("when the notes of Xen Toolstacks change");
      expect(part).toContain(`${CONFIRM_TOKEN_TTL_SECONDS / 86_400} days`);
      expect(part).toMatch(/ignore this mail/);
    }
    expect(text).toContain(`\n${CONFIRM_URL}\n`);
    expect(text).toContain(`\n${MANAGE_URL}\n`);
    expect(hrefsOf(html)).toEqual([CONFIRM_URL, MANAGE_URL]);
    expect(text).not.toMatch(/^- /m);
  });

  it("lists each of several sessions asked for together, one line each, in both parts", () => {
    const titles = ["Xen Toolstacks", "Rust & <Xen>", "Xen on RISC-V\nBcc: x@y.z"];
    const { subject, text, html } = confirmMail("3 sessions of Xen Design Sessions 2019", CONFIRM_URL, titles);
    expect(subject).toBe("Confirm your subscription to 3 sessions of Xen Design Sessions 2019");
    expect(text).toContain(
      "when the notes of 3 sessions of Xen Design Sessions 2019 change:\n- Xen Toolstacks\n- Rust & <Xen>\n- Xen on RISC-V Bcc: x@y.z\n\n",
    );
    expect(html).toContain("- Rust &amp; &lt;Xen&gt;</p>");
    expect(tagsOf(html).every((tag) => ["div", "p", "a"].includes(tag))).toBe(true);
    expect(hrefsOf(html)).toEqual([CONFIRM_URL, MANAGE_URL]);
  });
});
