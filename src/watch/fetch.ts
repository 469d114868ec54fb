// The poller's only way out to the network. Notes URLs come from people, so every request is confined:
// https only, allow-listed hosts only, no IP literals or credentials, redirects only within the same host,
// a byte cap enforced while streaming and a timeout. Conditional GET keeps repeat polls cheap for the pad hosts.
// The URL rules are src/lib/addresses.ts, shared with the outbound webhooks.
import { MAX_TEXT_BYTES } from "../domain/changes.ts";
import { checkHttpsUrl, isIpLiteral } from "../lib/addresses.ts";
import { readCappedText } from "../lib/body.ts";
import { buildFetchUrl, buildTextFromHtml } from "./sources.ts";
import { measureUtf8 } from "../domain/text.ts";

export type FetchOptions = {
  allowHosts: string[];
  etag?: string | null;
  lastModified?: string | null;
  maxBytes: number;
  timeoutMs: number;
};

export type FetchResult =
  | { outcome: "modified"; text: string; etag: string | null; lastModified: string | null; contentType: string | null }
  | { outcome: "not-modified" }
  | { outcome: "refused"; reason: string }
  | { outcome: "failed"; reason: string; status?: number };

const MAX_REDIRECTS = 3;
/** Archive pages are HTML around the text, so they may be larger than the text cap before reduction. */
const MAX_HTML_BYTES = 4 * MAX_TEXT_BYTES;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Why a URL may not be fetched, or null when it may. */
function checkUrl(url: URL, allowHosts: string[]): string | null {
  const refusal = checkHttpsUrl(url);
  if (refusal) return refusal;
  if (isIpLiteral(url.hostname)) return "IP literal host";
  if (!allowHosts.some((h) => h.toLowerCase() === url.hostname)) return `host ${url.hostname} is not allowed`;
  return null;
}

export async function fetchWatched(url: string, opts: FetchOptions): Promise<FetchResult> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return { outcome: "refused", reason: "invalid URL" };
  }
  const headers = new Headers({
    accept: "text/plain, text/markdown, text/html;q=0.9, */*;q=0.1",
    "user-agent": "sessionwire-poller",
  });
  if (opts.etag) headers.set("if-none-match", opts.etag);
  if (opts.lastModified) headers.set("if-modified-since", opts.lastModified);
  const signal = AbortSignal.timeout(opts.timeoutMs);
  try {
    for (let redirects = 0; ; redirects++) {
      const refusal = checkUrl(target, opts.allowHosts);
      if (refusal) return { outcome: "refused", reason: refusal };
      const res = await fetch(target.href, { headers, redirect: "manual", signal });
      if (REDIRECTS.has(res.status)) {
        await res.body?.cancel();
        const location = res.headers.get("location");
        if (!location) return { outcome: "failed", reason: "redirect without Location", status: res.status };
        if (redirects === MAX_REDIRECTS) return { outcome: "refused", reason: `more than ${MAX_REDIRECTS} redirects` };
        const next = new URL(location, target);
        if (next.hostname !== target.hostname) {
          return { outcome: "refused", reason: `redirect to another host (${next.hostname})` };
        }
        target = next;
        continue;
      }
      if (res.status === 304) {
        await res.body?.cancel();
        return { outcome: "not-modified" };
      }
      if (!res.ok) {
        await res.body?.cancel();
        return { outcome: "failed", reason: `HTTP ${res.status}`, status: res.status };
      }
      const text = await readCappedText(res, opts.maxBytes);
      if (text === null) return { outcome: "refused", reason: `body over ${opts.maxBytes} bytes` };
      return {
        outcome: "modified",
        text,
        etag: res.headers.get("etag"),
        lastModified: res.headers.get("last-modified"),
        contentType: res.headers.get("content-type"),
      };
    }
  } catch (err) {
    if (signal.aborted) return { outcome: "failed", reason: `timed out after ${opts.timeoutMs} ms` };
    return { outcome: "failed", reason: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * A notes link's current text, exactly as the pipeline hashes and diffs it: the poller and the CHANGES
 * consumer both read links through this, so the same page always gives the same text.
 */
export async function fetchNotesText(
  link: { url: string; kind: string },
  opts: Omit<FetchOptions, "maxBytes">,
): Promise<FetchResult> {
  const url = buildFetchUrl(link);
  if (!url) return { outcome: "refused", reason: `no plain-text form for a ${link.kind} link` };
  const html = link.kind === "mailing-list";
  const result = await fetchWatched(url, { ...opts, maxBytes: html ? MAX_HTML_BYTES : MAX_TEXT_BYTES });
  if (result.outcome !== "modified") return result;
  if (!html) {
    // A pad that answers with a page (a login form for a private note) has no notes text to give.
    const page = result.contentType?.toLowerCase().startsWith("text/html");
    return page ? { outcome: "refused", reason: "HTML page instead of notes text" } : result;
  }
  const text = buildTextFromHtml(result.text);
  if (measureUtf8(text) > MAX_TEXT_BYTES) {
    return { outcome: "refused", reason: `text over ${MAX_TEXT_BYTES} bytes` };
  }
  return { ...result, text };
}
