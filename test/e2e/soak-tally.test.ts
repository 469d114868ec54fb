// The soak's accounting on hand-made outcomes: it must see a lost change, a version published twice, a mail
// sent twice (whatever its key), a mail to someone who should get nothing, and a partial set of link changes.
// Changes and mails are built by sessionwire's own diff and mail code, so the tally reads what the Worker writes.
import { describe, expect, it } from "vitest";
import type { Change } from "../../src/domain/changes.ts";
import { buildNotesChange } from "../../src/domain/settle.ts";
import { buildChangeMail } from "../../src/email/message.ts";
import {
  type ChangeRow,
  type Mail,
  type Pad,
  type Subscriber,
  buildPadText,
  buildTally,
} from "../../scripts/soak/tally.ts";

const pads: Pad[] = [
  { index: 0, session: "xen-toolstacks", url: "https://hackmd.io/soak-0" },
  { index: 1, session: "virtio", url: "https://hackmd.io/soak-1" },
];
const subscribers: Subscriber[] = [
  { id: "everything", email: "everything@example.org", session: "", active: true },
  { id: "toolstacks", email: "toolstacks@example.org", session: "xen-toolstacks", active: true },
  { id: "left", email: "left@example.org", session: "", active: false },
];
const ROUNDS = 3;
const acked = pads.flatMap((p) => Array.from({ length: ROUNDS }, (_, i) => ({ pad: p.index, round: i + 1 })));

let seq = 0;
function buildChange(pad: Pad, from: number, to: number): Change {
  const body = buildNotesChange(from === 0 ? null : { text: buildPadText(pad, from) }, buildPadText(pad, to));
  seq++;
  return {
    id: `chg_${seq}`,
    event: "xen-design-sessions-2019",
    seq,
    session: pad.session,
    sessionTitle: pad.session,
    url: pad.url,
    at: new Date(Date.UTC(2026, 10, 27, 10, seq)).toISOString(),
    ...body,
  };
}
const toRow = (c: Change): ChangeRow => ({
  id: c.id,
  seq: c.seq,
  session: c.session,
  url: c.url,
  type: c.type,
  excerpt: c.excerpt,
});
function buildMail(change: Change, to: string): Mail {
  const m = buildChangeMail({
    from: "sessionwire <notes@example.org>",
    to,
    change,
    eventTitle: "Xen Design Sessions 2019",
    baseUrl: "http://127.0.0.1",
    unsubscribeUrl: "http://127.0.0.1/subscriptions/unsubscribe?token=t",
    manageUrl: "http://127.0.0.1/subscriptions/manage?token=t",
  });
  return { to: m.to, subject: m.subject, text: m.text };
}
/** Every round of every pad published once, and mailed once to each subscriber whose scope covers it. */
function buildExact() {
  const changes = pads.flatMap((p) => Array.from({ length: ROUNDS }, (_, i) => buildChange(p, i, i + 1)));
  const mails = changes.flatMap((c) =>
    subscribers
      .filter((s) => s.active && (s.session === "" || s.session === c.session))
      .map((s) => buildMail(c, s.email)),
  );
  return { changes, mails };
}

describe("soak tally", () => {
  it("adds up when every change and every mail is there once", () => {
    const { changes, mails } = buildExact();
    const tally = buildTally({ pads, acked, subscribers, changes: changes.map(toRow), mails });
    expect(tally.changes).toEqual({
      expected: 6,
      published: 6,
      duplicated: 0,
      missing: [],
      unexpected: [],
      linkAdded: 0,
      linkRule: "none",
    });
    expect(tally.mails).toEqual({ expected: 9, sent: 9, duplicated: 0, missing: [], unexpected: [] });
  });

  it("finds a lost change, a version published twice and the mails that follow from them", () => {
    const { changes, mails } = buildExact();
    const lost = changes.findIndex((c) => c.url === pads[1]!.url && c.excerpt.includes("r2]"));
    const [dropped] = changes.splice(lost, 1);
    // Round 2 of pad 0 again, from another base (another id): the same version, published twice.
    const twice = buildChange(pads[0]!, 0, 2);
    const tally = buildTally({
      pads,
      acked,
      subscribers,
      changes: [...changes, twice].map(toRow),
      mails: mails.filter((m) => !m.text.includes(dropped!.excerpt)),
    });
    expect(tally.changes).toMatchObject({ expected: 6, published: 5, duplicated: 1, unexpected: [] });
    expect(tally.changes.missing).toEqual(["https://hackmd.io/soak-1#r2"]);
    // The lost change's mail is not expected (it was never published); nothing is missing from the mails.
    expect(tally.mails).toMatchObject({ expected: 8, sent: 8, duplicated: 0, missing: [] });
  });

  it("counts a mail twice whatever its key, and a mail to someone outside the scope as unexpected", () => {
    const { changes, mails } = buildExact();
    const first = changes[0]!;
    const tally = buildTally({
      pads,
      acked,
      subscribers,
      changes: changes.map(toRow),
      mails: [...mails, buildMail(first, "everything@example.org"), buildMail(first, "left@example.org")],
    });
    expect(tally.mails.sent).toBe(11);
    expect(tally.mails.duplicated).toBe(1);
    expect(tally.mails.missing).toEqual([]);
    expect(tally.mails.unexpected).toEqual(["https://hackmd.io/soak-0#r1 → left"]);
  });

  it("reads the newest version of a change that covers two rounds, so the skipped round is missing", () => {
    const { changes } = buildExact();
    const rows = changes.filter((c) => c.url !== pads[1]!.url).map(toRow);
    rows.push(toRow(buildChange(pads[1]!, 0, 1)), toRow(buildChange(pads[1]!, 1, 3)));
    const tally = buildTally({ pads, acked, subscribers, changes: rows, mails: [] });
    expect(tally.changes.missing).toEqual(["https://hackmd.io/soak-1#r2"]);
    expect(tally.changes.unexpected).toEqual([]);
  });

  it("accepts link changes for every new pad or none, and says which pad lacks one", () => {
    const { changes } = buildExact();
    const link: ChangeRow = {
      id: "chg_link",
      seq: 99,
      session: pads[0]!.session,
      url: pads[0]!.url,
      type: "link.added",
      excerpt: "",
    };
    const rows = [...changes.map(toRow), link];
    const tally = buildTally({ pads, acked, subscribers, changes: rows, mails: [] });
    expect(tally.changes).toMatchObject({ expected: 8, published: 7, linkAdded: 1, linkRule: "one per pad" });
    expect(tally.changes.missing).toEqual(["https://hackmd.io/soak-1#link.added"]);

    // Pinned rules: "none" makes the link change unexpected; "each" misses both when none came.
    const none = buildTally({ pads, acked, subscribers, changes: rows, mails: [], linkRule: "none" });
    expect(none.changes).toMatchObject({
      expected: 6,
      published: 6,
      unexpected: ["https://hackmd.io/soak-0#link.added"],
    });
    const each = buildTally({ pads, acked, subscribers, changes: changes.map(toRow), mails: [], linkRule: "each" });
    expect(each.changes.missing).toEqual([
      "https://hackmd.io/soak-0#link.added",
      "https://hackmd.io/soak-1#link.added",
    ]);
  });
});
