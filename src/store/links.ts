// D1 lookups for inbound webhooks: does the event/session a notes event names exist, and which catalogued notes
// links a GitHub or Etherpad delivery is about. Read from D1 (the system of record), never from the KV copy.

export type LinkRef = { event: string; session: string; url: string };

/** Which of the two exists, so that a 404 can say which one is missing. */
export async function getSessionPresence(
  db: D1Database,
  eventId: string,
  sessionId: string,
): Promise<{ event: boolean; session: boolean }> {
  const row = await db
    .prepare(
      `SELECT EXISTS (SELECT 1 FROM events WHERE id = ?1) AS event,
              EXISTS (SELECT 1 FROM sessions WHERE event_id = ?1 AND id = ?2) AS session`,
    )
    .bind(eventId, sessionId)
    .first<{ event: number; session: number }>();
  return { event: row?.event === 1, session: row?.session === 1 };
}

/** Whether the event exists, and which of `sessionIds` it lacks, in one statement however many are asked. */
export async function listMissingSessions(
  db: D1Database,
  eventId: string,
  sessionIds: string[],
): Promise<{ event: boolean; missing: string[] }> {
  const row = await db
    .prepare(
      `SELECT EXISTS (SELECT 1 FROM events WHERE id = ?1) AS event,
              (SELECT json_group_array(value) FROM json_each(?2)
               WHERE value NOT IN (SELECT id FROM sessions WHERE event_id = ?1)) AS missing`,
    )
    .bind(eventId, JSON.stringify(sessionIds))
    .first<{ event: number; missing: string }>();
  return { event: row?.event === 1, missing: row ? (JSON.parse(row.missing) as string[]) : sessionIds };
}

/** Notes links whose URL is exactly one of `urls` (one URL may be the notes of several sessions). */
export async function listLinksByUrl(db: D1Database, urls: string[]): Promise<LinkRef[]> {
  if (urls.length === 0) return [];
  const { results } = await db
    .prepare(
      `SELECT event_id, session_id, url FROM note_links WHERE url IN (SELECT value FROM json_each(?))
       ORDER BY event_id, session_id, position`,
    )
    .bind(JSON.stringify(urls))
    .all<{ event_id: string; session_id: string; url: string }>();
  return results.map((r) => ({ event: r.event_id, session: r.session_id, url: r.url }));
}

/**
 * Notes links of the given Etherpad pads, on any host: those whose URL path ends in `/p/<padId>` (a trailing
 * slash allowed). SQL narrows to URLs containing `/p/`; the exact match is made on the parsed, decoded path.
 */
export async function listEtherpadLinks(db: D1Database, padIds: string[]): Promise<(LinkRef & { padId: string })[]> {
  if (padIds.length === 0) return [];
  const { results } = await db
    .prepare(
      `SELECT event_id, session_id, url FROM note_links WHERE instr(url, '/p/') > 0 ORDER BY event_id, session_id, position`,
    )
    .all<{ event_id: string; session_id: string; url: string }>();
  const wanted = new Set(padIds);
  return results.flatMap((r) => {
    const padId = readEtherpadPadId(r.url);
    return padId !== null && wanted.has(padId) ? [{ event: r.event_id, session: r.session_id, url: r.url, padId }] : [];
  });
}

function readEtherpadPadId(url: string): string | null {
  const path = URL.canParse(url) ? new URL(url).pathname.replace(/\/$/, "") : "";
  const match = /\/p\/([^/]+)$/.exec(path);
  if (!match) return null;
  try {
    return decodeURIComponent(match[1]!);
  } catch {
    return null;
  }
}
