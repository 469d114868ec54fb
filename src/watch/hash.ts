// The one content hash of notes text, shared by the poller and the CHANGES consumer so their hashes compare.

/** Lowercase hex SHA-256 of the UTF-8 text. */
export async function hashText(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
