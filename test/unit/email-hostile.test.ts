// Mail built from hostile input: whatever titles, summaries, excerpts and URLs hold, the HTML part carries no live
// markup and never links to a script or data URL, the subject stays one line, and changes as large as issue 8's
// render small (through the real sanitizer in workerd).
import { describe, expect, it } from "vitest";
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
import { MAX_SUBJECT_LENGTH } from "../../src/email/message.ts";
import type { MailMessage } from "../../src/email/model.ts";
import { buildChange, changeMail, confirmMail, digestMail, hrefsOf, isOneLine, tagsOf } from "../helpers/mail.ts";

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

  it.each(URLS)("never makes a link of %j, as notes, unsubscribe, manage or confirmation URL", (url) => {
    const mails = [
      changeMail({ url }),
      changeMail({}, { unsubscribeUrl: url }),
      changeMail({}, { manageUrl: url }),
      digestMail([buildChange({ url })]),
      confirmMail("Xen", url),
    ];
    for (const mail of mails) expectNoLiveMarkup(mail.html);
    expect(hrefsOf(mails[0]!.html)).toHaveLength(url.startsWith("https:") ? 5 : 4);
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
