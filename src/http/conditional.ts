// Conditional GET (RFC 9110 §13): If-None-Match, when present, decides alone (weak comparison, lists, "*");
// otherwise If-Modified-Since compares against Last-Modified at one-second precision. A date that is not an
// HTTP-date, or is later than now, is ignored (§13.1.3): a client's clock or a garbage header must not pin a
// stale feed with 304s.

const opaque = (tag: string) => tag.trim().replace(/^W\//, "");

// The three forms of HTTP-date a recipient must accept (§5.6.7): IMF-fixdate, and the obsolete RFC 850 and
// asctime forms.
const DAY = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)";
const MONTH = "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)";
const TIME = "\\d{2}:\\d{2}:\\d{2}";
const HTTP_DATE = new RegExp(
  `^(?:${DAY}, \\d{2} ${MONTH} \\d{4} ${TIME} GMT` +
    `|(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \\d{2}-${MONTH}-\\d{2} ${TIME} GMT` +
    `|${DAY} ${MONTH} [ \\d]\\d ${TIME} \\d{4})$`,
);

/** Milliseconds since the epoch of an HTTP-date; null for anything else. */
export function parseHttpDate(value: string): number | null {
  const text = value.trim();
  if (!HTTP_DATE.test(text)) return null;
  // asctime has no zone: it is GMT like the others.
  const ms = Date.parse(text.endsWith("GMT") ? text : `${text} GMT`);
  return Number.isFinite(ms) ? ms : null;
}

export function isNotModified(
  request: { ifNoneMatch: string | null; ifModifiedSince: string | null },
  current: { etag: string; lastModified: string },
  now: Date,
): boolean {
  if (request.ifNoneMatch !== null) {
    const wanted = opaque(current.etag);
    return request.ifNoneMatch.split(",").some((tag) => tag.trim() === "*" || opaque(tag) === wanted);
  }
  if (request.ifModifiedSince === null) return false;
  const since = parseHttpDate(request.ifModifiedSince);
  if (since === null || since > now.getTime()) return false;
  const modified = Math.floor(Date.parse(current.lastModified) / 1000) * 1000;
  return modified <= since;
}
