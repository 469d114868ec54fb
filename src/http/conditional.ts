// Conditional GET (RFC 9110 §13): If-None-Match, when present, decides alone (weak comparison, lists, "*");
// otherwise If-Modified-Since compares against Last-Modified at one-second precision.

const opaque = (tag: string) => tag.trim().replace(/^W\//, "");

export function isNotModified(
  request: { ifNoneMatch: string | null; ifModifiedSince: string | null },
  current: { etag: string; lastModified: string },
): boolean {
  if (request.ifNoneMatch !== null) {
    const wanted = opaque(current.etag);
    return request.ifNoneMatch.split(",").some((tag) => tag.trim() === "*" || opaque(tag) === wanted);
  }
  if (request.ifModifiedSince === null) return false;
  const since = Date.parse(request.ifModifiedSince);
  const modified = Math.floor(Date.parse(current.lastModified) / 1000) * 1000;
  return Number.isFinite(since) && modified <= since;
}
