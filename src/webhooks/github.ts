// GitHub webhooks for notes kept in a repository or a GitHub wiki: verify X-Hub-Signature-256 and turn `push`
// and `gollum` deliveries into the notes URLs they touched. Which of those URLs are catalogued notes links
// is the store's question; this module is pure.
import { z } from "zod";
import type { NotesEvent } from "../domain/changes.ts";
import { type Bytes, encodeHex, signHmacSha256, verifySignature } from "../lib/crypto.ts";

/**
 * A notes URL a delivery says was published, edited or removed. `version` names what the delivery carries (the
 * push's commit range, the wiki page's commit): the same content delivered again, under another delivery id or
 * by a second webhook, is the same receipt. Null when the payload names no commit.
 */
export type NotesTouch = { url: string; type: NotesEvent["type"]; version: string | null };

const Paths = z.array(z.string()).default([]);

export const GithubPush = z.object({
  ref: z.string(),
  // Commit ids (40 or 64 hex digits); bounded because they become part of a stored receipt key.
  before: z.string().max(100).optional(),
  after: z.string().max(100).optional(),
  head_commit: z.object({ id: z.string().max(100) }).nullish(),
  repository: z.object({ full_name: z.string().regex(/^[^/]+\/[^/]+$/) }),
  commits: z.array(z.object({ added: Paths, modified: Paths, removed: Paths })).default([]),
});

export const GithubGollum = z.object({
  pages: z.array(z.object({ action: z.string(), html_url: z.url(), sha: z.string().max(100).optional() })),
});

export type GithubMapping =
  { status: "ignored" } | { status: "invalid"; error: z.ZodError } | { status: "mapped"; touches: NotesTouch[] };

/** `sha256=<hex>` of the raw body, HMAC-SHA256 keyed with the webhook's secret. */
export async function verifyGithubSignature(secret: string, header: string | null, body: Bytes): Promise<boolean> {
  if (!secret) throw new Error("No GitHub webhook secret is configured (GITHUB_WEBHOOK_SECRET).");
  if (!header) return false;
  return verifySignature(header, `sha256=${encodeHex(await signHmacSha256(secret, body))}`);
}

/** Maps a delivery to the notes URLs it touched; events other than push and gollum (ping, …) are ignored. */
export function buildGithubTouches(eventName: string, payload: unknown): GithubMapping {
  if (eventName === "push") {
    const parsed = GithubPush.safeParse(payload);
    if (!parsed.success) return { status: "invalid", error: parsed.error };
    return { status: "mapped", touches: buildPushTouches(parsed.data) };
  }
  if (eventName === "gollum") {
    const parsed = GithubGollum.safeParse(payload);
    if (!parsed.success) return { status: "invalid", error: parsed.error };
    return {
      status: "mapped",
      touches: parsed.data.pages.map((p) => ({
        url: p.html_url,
        type: p.action === "created" ? "notes.published" : "notes.updated",
        version: p.sha ? `wiki:${p.sha}` : null,
      })),
    };
  }
  return { status: "ignored" };
}

/** Commits come oldest first, so a path's last action wins (added then removed is removed). Tags touch nothing. */
function buildPushTouches(push: z.infer<typeof GithubPush>): NotesTouch[] {
  if (!push.ref.startsWith("refs/heads/")) return [];
  const branch = push.ref.slice("refs/heads/".length);
  const byPath = new Map<string, NotesTouch["type"]>();
  for (const commit of push.commits) {
    for (const path of commit.added) byPath.set(path, "notes.published");
    for (const path of commit.modified) byPath.set(path, "notes.updated");
    for (const path of commit.removed) byPath.set(path, "notes.removed");
  }
  const encode = (s: string) => s.split("/").map(encodeURIComponent).join("/");
  // before..after, not after alone: a force push back to an older commit is a change too.
  const after = push.after ?? push.head_commit?.id;
  const version = after ? `push:${push.before ?? ""}..${after}` : null;
  return [...byPath].map(([path, type]) => ({
    url: `https://github.com/${push.repository.full_name}/blob/${encode(branch)}/${encode(path)}`,
    type,
    version,
  }));
}

/** A touch's receipt key for one notes link: what the delivery carries, else the delivery id. */
export function buildGithubExternalId(
  touch: NotesTouch,
  delivery: string,
  link: { event: string; session: string; url: string },
): string {
  return `${touch.version ?? `delivery:${delivery}`}:${link.event}/${link.session}:${link.url}`;
}
