import { describe, expect, it } from "vitest";
import type { Change } from "../../src/domain/changes.ts";
import type { Event } from "../../src/domain/event.ts";
import { buildChangeMail, buildConfirmMail, buildDigestMail } from "../../src/email/message.ts";
import type { MailMessage } from "../../src/email/model.ts";
import { signToken } from "../../src/email/tokens.ts";
import { buildEventFeeds } from "../../src/feeds/build.ts";
import { FEED_FORMATS } from "../../src/feeds/model.ts";
import { renderFeed } from "../../src/feeds/render.ts";

// Golden files: what readers and subscribers receive, pinned byte for byte in test/golden/, so that any change
// to a feed or a mail shows up as a diff of those files in review (and a refactor that means to change nothing
// proves it). The inputs are written out here, not taken from test/fixtures, so that editing a fixture for
// another test cannot move them; the clock is fixed, and the mail links carry real signed tokens so the
// token format is pinned too.
//
// A missing golden file is written on a local run and fails under CI=true. After an intended rendering
// change: `npx vitest run test/unit/golden.test.ts -u` (the file comes before -u, which takes an optional
// value), then review `git diff test/golden/`.

const BASE = "https://sessions.example";
const SITE = { baseUrl: BASE, hubUrl: "https://hub.example/" };
const NOW = new Date("2019-07-11T06:00:00Z");
const SUBSCRIPTION_SECRET = "golden-subscription-secret";
const FROM = "sessionwire <notes@sessionwire.example>";
const TO = "ada@example.org";

// Titles, summaries and excerpts hold what must be escaped in XML, HTML and JSON (& < > " '), `]]>`, and
// non-ASCII text (umlauts, ß, dashes, an emoji outside the BMP).
const EVENT: Event = {
  id: "xen-2019",
  title: `Xen Design Sessions 2019 — "Q&A" <Zürich>`,
  sessions: [
    {
      id: "xen-toolstacks",
      title: `Toolstacks & "libxl" <next> — Straße`,
      description: "At the moment, we have a binary xl.",
      hosts: ["Jürgen Groß"],
      notesPublished: true,
      notes: [
        { url: "https://pad.example/p/xen-toolstacks?a=1&b=2", kind: "etherpad", watchable: true },
        { url: "https://hackmd.io/0vZaSrKBT2iKWzpVMxDVvQ", kind: "hackmd", label: "these need work", watchable: true },
      ],
    },
    {
      id: "rust-and-xen",
      title: "Rust and Xen",
      description: "",
      hosts: [],
      notesPublished: false,
      notes: [],
    },
  ],
};

const change = (c: Omit<Change, "event" | "linesAdded" | "linesRemoved"> & Partial<Change>): Change => ({
  event: EVENT.id,
  linesAdded: 0,
  linesRemoved: 0,
  ...c,
});

/** One change of each type, newest first (as the change log lists them). */
const CHANGES: Change[] = [
  change({
    id: "xen-2019-7",
    seq: 7,
    session: "xen-toolstacks",
    sessionTitle: EVENT.sessions[0]!.title,
    type: "session.edited",
    url: null,
    summary: "Edited: description, hosts",
    excerpt: "",
    at: "2019-07-10T16:45:00Z",
  }),
  change({
    id: "xen-2019-6",
    seq: 6,
    session: "rust-and-xen",
    sessionTitle: "Rust and Xen",
    type: "notes.removed",
    url: "https://hackmd.io/rust-and-xen",
    summary: "Notes removed",
    excerpt: "",
    at: "2019-07-10T15:00:00Z",
  }),
  change({
    id: "xen-2019-5",
    seq: 5,
    session: "rust-and-xen",
    sessionTitle: "Rust and Xen",
    type: "link.removed",
    url: "https://hackmd.io/rust-and-xen",
    summary: "Notes link removed",
    excerpt: "",
    at: "2019-07-10T14:59:00Z",
  }),
  change({
    id: "xen-2019-4",
    seq: 4,
    session: "xen-toolstacks",
    sessionTitle: EVENT.sessions[0]!.title,
    type: "notes.updated",
    url: "https://pad.example/p/xen-toolstacks?a=1&b=2",
    summary: "2 lines added, 1 removed",
    excerpt: `attendees: 7 — Jürgen & "Ana" 🚀\n- action: write <design> doc, don't use ]]> in XML`,
    linesAdded: 2,
    linesRemoved: 1,
    at: "2019-07-10T12:30:00Z",
  }),
  change({
    id: "xen-2019-3",
    seq: 3,
    session: "xen-toolstacks",
    sessionTitle: EVENT.sessions[0]!.title,
    type: "notes.published",
    url: "https://pad.example/p/xen-toolstacks?a=1&b=2",
    summary: "Notes published: 3 lines added",
    excerpt: "# Toolstacks\nattendees: 5\n- libxl → daemon?",
    linesAdded: 3,
    at: "2019-07-10T11:00:00Z",
  }),
  change({
    id: "xen-2019-2",
    seq: 2,
    session: "xen-toolstacks",
    sessionTitle: EVENT.sessions[0]!.title,
    type: "link.added",
    url: "https://hackmd.io/0vZaSrKBT2iKWzpVMxDVvQ",
    summary: "Notes link added (hackmd)",
    excerpt: "",
    at: "2019-07-10T10:15:00Z",
  }),
  change({
    id: "xen-2019-1",
    seq: 1,
    session: "rust-and-xen",
    sessionTitle: "Rust and Xen",
    type: "session.added",
    url: null,
    summary: "Session added",
    excerpt: "",
    at: "2019-07-09T08:00:00Z",
  }),
];

const golden = (name: string) => `../golden/${name}`;

/** Everything but the two bodies, in the builder's key order; the bodies get files of their own. */
async function expectMail(kind: string, mail: MailMessage) {
  const { text, html, ...envelope } = mail;
  await expect(`${JSON.stringify(envelope, null, 2)}\n`).toMatchFileSnapshot(golden(`mail-${kind}.envelope.json`));
  await expect(text).toMatchFileSnapshot(golden(`mail-${kind}.txt`));
  await expect(html).toMatchFileSnapshot(golden(`mail-${kind}.html`));
}

const unsubscribeUrl = async (subscriberId: string) =>
  `${BASE}/subscriptions/unsubscribe?token=${await signToken(SUBSCRIPTION_SECRET, "unsubscribe", subscriberId, NOW)}`;
const manageUrl = async (subscriberId: string) =>
  `${BASE}/subscriptions/manage?token=${await signToken(SUBSCRIPTION_SECRET, "manage", subscriberId, NOW)}`;

describe("golden feeds", () => {
  const [eventFeed, toolstacksFeed] = buildEventFeeds(SITE, EVENT, CHANGES, "2019-07-01T00:00:00Z");

  it("renders the event feed in every format as pinned, with the pinned validators", async () => {
    const extensions = { rss: "rss.xml", atom: "atom.xml", json: "json" };
    const validators: Record<string, { etag: string; lastModified: string }> = {};
    for (const format of FEED_FORMATS) {
      const { body, etag, lastModified } = await renderFeed(eventFeed!, format);
      await expect(body).toMatchFileSnapshot(golden(`event-feed.${extensions[format]}`));
      validators[format] = { etag, lastModified };
    }
    // The ETag is what readers revalidate with: a new one for an unchanged body makes every reader refetch.
    await expect(`${JSON.stringify(validators, null, 2)}\n`).toMatchFileSnapshot(golden("event-feed.validators.json"));
  });

  it("renders a session feed as pinned", async () => {
    const { body } = await renderFeed(toolstacksFeed!, "atom");
    await expect(body).toMatchFileSnapshot(golden("session-feed.atom.xml"));
  });
});

describe("golden mails", () => {
  it("builds the change mail as pinned", async () => {
    const mail = buildChangeMail({
      from: FROM,
      to: TO,
      change: CHANGES.find((c) => c.type === "notes.updated")!,
      eventTitle: EVENT.title,
      baseUrl: BASE,
      unsubscribeUrl: await unsubscribeUrl("sub-immediate"),
      manageUrl: await manageUrl("sub-immediate"),
    });
    await expectMail("change", mail);
  });

  it("builds the digest mail as pinned", async () => {
    const mail = buildDigestMail({
      from: FROM,
      to: TO,
      scopeTitle: EVENT.title,
      scope: { eventId: EVENT.id, sessionId: "" },
      changes: CHANGES.filter((c) => c.at.startsWith("2019-07-10")),
      eventTitles: new Map([[EVENT.id, EVENT.title]]),
      baseUrl: BASE,
      unsubscribeUrl: await unsubscribeUrl("sub-daily"),
      manageUrl: await manageUrl("sub-daily"),
      day: "2019-07-10",
    });
    await expectMail("digest", mail);
  });

  it("builds the confirmation mail as pinned", async () => {
    const token = await signToken(SUBSCRIPTION_SECRET, "confirm", "sub-pending", NOW);
    const mail = buildConfirmMail({
      from: FROM,
      to: TO,
      scopeTitle: `${EVENT.sessions[0]!.title} (${EVENT.title})`,
      confirmUrl: `${BASE}/subscriptions/confirm?token=${token}`,
      manageUrl: await manageUrl("sub-pending"),
    });
    await expectMail("confirm", mail);
  });
});
