// The soak's accounting, pure: what should have been published and mailed, given what the senders got acked,
// against what the change log and the mock provider hold. A change is identified by what it says, not by its
// id (ids are derived from hashes that a later change may rework): its notes URL names the pad, and the soak
// markers in its excerpt name the pad version (each round prepends one marked line, so the newest marker comes
// first and survives the excerpt's cut). A mail is identified the same way, from its subject, its "Notes:" link
// and its excerpt, plus its recipient: never by its idempotency key.
import { CHANGE_LABELS, type ChangeType } from "../../src/domain/changes.ts";

export type Pad = { index: number; session: string; url: string };
export type Subscriber = { id: string; email: string; session: string; active: boolean };
export type ChangeRow = {
  id: string;
  seq: number;
  session: string | null;
  url: string | null;
  type: string;
  excerpt: string;
};
export type Mail = { to: string; subject: string; text: string };

const MARKER = /\[soak p(\d+) r(\d+)\]/g;
const NOTES_TYPES = new Set(["notes.published", "notes.updated"]);

/** The line round `round` adds to pad `pad`; the tally reads the marker back from excerpts. */
export function buildMarkedLine(pad: number, round: number): string {
  return `- [soak p${pad} r${round}] decision ${round}: keep the interface stable, write it up`;
}

/** A pad's text after `round` rounds: a heading, then the newest line first. */
export function buildPadText(pad: Pad, round: number): string {
  const lines = [`# Soak notes ${pad.index} (${pad.session})`, ""];
  for (let r = round; r >= 1; r--) lines.push(buildMarkedLine(pad.index, r));
  return `${lines.join("\n")}\n`;
}

/** The pad version a text mentions: the highest round among the markers of this pad, or null. */
function readVersion(text: string, pad: Pad): number | null {
  let newest: number | null = null;
  for (const m of text.matchAll(MARKER)) {
    if (Number(m[1]) !== pad.index) return null;
    newest = Math.max(newest ?? 0, Number(m[2]));
  }
  return newest;
}

/** "url#r<round>" for a notes change, "url#<type>" for anything else about a pad, null when not about a pad. */
export function identify(pads: Map<string, Pad>, url: string | null, type: string, text: string): string | null {
  const pad = url === null ? undefined : pads.get(url);
  if (!pad) return null;
  if (!NOTES_TYPES.has(type)) return `${pad.url}#${type}`;
  const version = readVersion(text, pad);
  return version === null ? `${pad.url}#${type}?` : `${pad.url}#r${version}`;
}

/** The key of a change-log row; rows that are not about a soak pad get a key of their own (unexpected). */
export function identifyChange(pads: Map<string, Pad>, c: ChangeRow): string {
  return identify(pads, c.url, c.type, c.excerpt) ?? `change ${c.id} (${c.type} ${c.url ?? ""})`;
}

const LABEL_TYPES = new Map(Object.entries(CHANGE_LABELS).map(([type, label]) => [label, type as ChangeType]));

function identifyMail(pads: Map<string, Pad>, mail: Mail): string | null {
  const label = mail.subject.split(":")[0]!;
  const type = LABEL_TYPES.get(label);
  const url = /^Notes: (\S+)$/m.exec(mail.text)?.[1] ?? null;
  return type ? identify(pads, url, type, mail.text) : null;
}

export type Tally = {
  changes: {
    expected: number;
    published: number;
    duplicated: number;
    missing: string[];
    unexpected: string[];
    linkAdded: number;
    linkRule: "none" | "one per pad";
  };
  mails: { expected: number; sent: number; duplicated: number; missing: string[]; unexpected: string[] };
};

/**
 * Whether a notes webhook that adds a link to a session also announces the link with a "link.added" change:
 * "none" (today: the link is recorded, the notes change stands for it), "each" (one per new pad), or "auto":
 * either, decided by whether any appears, but never a mix (a pad without its link change is then missing).
 */
export type LinkRule = "auto" | "none" | "each";

/** `acked`: the pad versions whose delivery a sender got a 2xx for. */
export function buildTally(input: {
  pads: Pad[];
  acked: { pad: number; round: number }[];
  subscribers: Subscriber[];
  changes: ChangeRow[];
  mails: Mail[];
  linkRule?: LinkRule;
}): Tally {
  const pads = new Map(input.pads.map((p) => [p.url, p]));
  const byIndex = new Map(input.pads.map((p) => [p.index, p]));
  const expected = new Set(input.acked.map((a) => `${byIndex.get(a.pad)!.url}#r${a.round}`));

  const rows = new Map<string, ChangeRow[]>();
  for (const c of input.changes) {
    const key = identifyChange(pads, c);
    rows.set(key, [...(rows.get(key) ?? []), c]);
  }
  const linkKeys = input.pads.map((p) => `${p.url}#link.added`);
  const linkAdded = linkKeys.filter((k) => rows.has(k)).length;
  const rule = input.linkRule ?? "auto";
  const linkRule = rule === "each" || (rule === "auto" && linkAdded > 0) ? "one per pad" : "none";
  if (linkRule === "one per pad") for (const k of linkKeys) expected.add(k);

  let duplicated = 0;
  for (const list of rows.values()) duplicated += list.length - 1;
  const changes = {
    expected: expected.size,
    published: [...expected].filter((k) => rows.has(k)).length,
    duplicated,
    missing: [...expected].filter((k) => !rows.has(k)),
    unexpected: [...rows.keys()].filter((k) => !expected.has(k)),
    linkAdded,
    linkRule,
  } satisfies Tally["changes"];

  // Every published change (expected or not) is mail to each active subscriber whose scope covers it.
  const expectedMails = new Set<string>();
  for (const [key, [first]] of rows) {
    for (const s of input.subscribers) {
      if (s.active && (s.session === "" || s.session === first!.session)) expectedMails.add(`${key} → ${s.id}`);
    }
  }
  const subscribers = new Map(input.subscribers.map((s) => [s.email, s]));
  const got = new Map<string, number>();
  for (const mail of input.mails) {
    const key = `${identifyMail(pads, mail) ?? `mail "${mail.subject}"`} → ${subscribers.get(mail.to)?.id ?? mail.to}`;
    got.set(key, (got.get(key) ?? 0) + 1);
  }
  let mailsDuplicated = 0;
  for (const n of got.values()) mailsDuplicated += n - 1;
  return {
    changes,
    mails: {
      expected: expectedMails.size,
      sent: input.mails.length,
      duplicated: mailsDuplicated,
      missing: [...expectedMails].filter((k) => !got.has(k)),
      unexpected: [...got.keys()].filter((k) => !expectedMails.has(k)),
    },
  };
}
