// GitHub webhooks for notes kept in a repository or a GitHub wiki: verify X-Hub-Signature-256 and turn `push`
// and `gollum` deliveries into the notes URLs they touched. Which of those URLs are catalogued notes links
// is the store's question; this module is pure.
import { z } from "zod";
import type { NotesEvent } from "../domain/changes.ts";
import { type Bytes, encodeText, verifyEqual } from "./standard.ts";

/** A notes URL a delivery says was published, edited or removed. */
export type NotesTouch = { url: string; type: NotesEvent["type"] };

const Paths = z.array(z.string()).default([]);

export const GithubPush = z.object({
  ref: z.string(),
  repository: z.object({ full_name: z.string().regex(/^[^/]+\/[^/]+$/) }),
  commits: z.array(z.object({ added: Paths, modified: Paths, removed: Paths })).default([]),
});

export const GithubGollum = z.object({
  pages: z.array(z.object({ action: z.string(), html_url: z.url() })),
});

export type GithubMapping =
  { status: "ignored" } | { status: "invalid"; error: z.ZodError } | { status: "mapped"; touches: NotesTouch[] };

/** `sha256=<hex>` of the raw body, HMAC-SHA256 keyed with the webhook's secret. */
export async function verifyGithubSignature(secret: string, header: string | null, body: Bytes): Promise<boolean> {
  if (!secret) throw new Error("No GitHub webhook secret is configured (GITHUB_WEBHOOK_SECRET).");
  if (!header) return false;
  const key = await crypto.subtle.importKey("raw", encodeText(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, body));
  return verifyEqual(header, `sha256=${Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("")}`);
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
  return [...byPath].map(([path, type]) => ({
    url: `https://github.com/${push.repository.full_name}/blob/${encode(branch)}/${encode(path)}`,
    type,
  }));
}
