// Mail fixtures shared by the email-*.test.ts unit tests: a change, the public URLs a mail links to, the three
// mails built from them with overrides, and readers for what a mail's HTML holds.
import type { Change } from "../../src/domain/changes.ts";
import { buildPublicUrl, feedPaths, pagePaths, subscriptionPaths } from "../../src/paths.ts";
import { buildChangeMail, buildConfirmMail, buildDigestMail } from "../../src/email/message.ts";

export const BASE = "https://sessions.example";
export const SESSION_URL = buildPublicUrl(BASE, pagePaths.session("xen-2019", "xen-toolstacks"));
export const FEED_URL = buildPublicUrl(BASE, feedPaths.session("xen-2019", "xen-toolstacks", "atom"));
export const UNSUBSCRIBE_URL = buildPublicUrl(BASE, subscriptionPaths.unsubscribe("abc.def"));
export const CONFIRM_URL = buildPublicUrl(BASE, subscriptionPaths.confirm("c.d"));
export const MANAGE_URL = buildPublicUrl(BASE, subscriptionPaths.manage("m.n"));
export const FROM = "sessionwire <notes@sessionwire.example>";
export const TO = "ada@example.org";

export const buildChange = (overrides: Partial<Change> = {}): Change => ({
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
export const changeMail = (
  change: Partial<Change> = {},
  overrides: { eventTitle?: string; unsubscribeUrl?: string; manageUrl?: string } = {},
) =>
  buildChangeMail({
    from: FROM,
    to: TO,
    change: buildChange(change),
    eventTitle: "Xen Design Sessions 2019",
    baseUrl: BASE,
    unsubscribeUrl: UNSUBSCRIBE_URL,
    manageUrl: MANAGE_URL,
    ...overrides,
  });
export const digestMail = (changes: Change[], scopeTitle = "Xen Design Sessions 2019", sessionId = "") =>
  buildDigestMail({
    from: FROM,
    to: TO,
    scopeTitle,
    scope: { eventId: "xen-2019", sessionId },
    changes,
    eventTitles: new Map([["xen-2019", "Xen Design Sessions 2019"]]),
    baseUrl: BASE,
    unsubscribeUrl: UNSUBSCRIBE_URL,
    manageUrl: MANAGE_URL,
    day: "2019-07-10",
  });
export const confirmMail = (scopeTitle = "Xen Toolstacks", confirmUrl = CONFIRM_URL, scopes?: string[]) =>
  buildConfirmMail({
    from: FROM,
    to: TO,
    scopeTitle,
    confirmUrl,
    manageUrl: MANAGE_URL,
    ...(scopes ? { scopes } : {}),
  });

export const isOneLine = (text: string) => !/[\p{Cc}\u2028\u2029]/u.test(text);

// Every tag name and every href of an HTML string: the sanitizer's output is regular enough to read this way,
// and anything a browser would treat as markup starts with "<" followed by a letter, "/" or "!".
export const tagsOf = (html: string) => [...html.matchAll(/<\/?([a-zA-Z][\w-]*)/g)].map((m) => m[1]!.toLowerCase());
export const hrefsOf = (html: string) =>
  [...html.matchAll(/<a\s[^>]*href="([^"]*)"/g)].map((m) => m[1]!.replace(/&amp;/g, "&"));
