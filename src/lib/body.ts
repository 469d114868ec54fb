// Reading a body we did not write, without trusting its size: a declared Content-Length over the cap is refused
// unread, a stream is cancelled as soon as it passes the cap, so a large or endless body costs at most the cap.
// (Request bodies coming in are capped by hono/body-limit in the routes; this is for answers we fetch.)

/** The body as UTF-8, or null (and the body cancelled) once it is known to exceed maxBytes. */
export async function readCappedText(res: Response, maxBytes: number): Promise<string | null> {
  const declared = Number(res.headers.get("content-length") ?? Number.NaN);
  if (declared > maxBytes) {
    await res.body?.cancel();
    return null;
  }
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder("utf-8").decode(bytes);
}
