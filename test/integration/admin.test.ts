// The admin API: bearer tokens (two during rotation), each edit through the CHANGES pipeline into the change log.
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { buildSite } from "../helpers/config.ts";
import { ADMIN_TOKEN, fetchWorker, getJson, getText, sendAdmin } from "../helpers/http.ts";
import { type TestQueue, captureQueues } from "../helpers/queue.ts";
import {
  MAX_ADMIN_EDIT_BODY_BYTES,
  MAX_ADMIN_IMPORT_BODY_BYTES,
  MAX_DESCRIPTION_CHARS,
  MAX_HOST_CHARS,
  MAX_HOSTS,
  MAX_IMPORT_TEXT_BYTES,
  MAX_LABEL_CHARS,
  MAX_SESSION_TITLE_CHARS,
  MAX_URL_CHARS,
} from "../../src/domain/limits.ts";
import { loadEvents } from "../../src/pipeline/publish.ts";
import type { ChangesMessage } from "../../src/domain/messages.ts";
import seed from "../../data/sources/design-sessions-2019.txt?raw";
import { buildTestEvent } from "../fixtures/catalogue.ts";

const EVENT = "test-summit-2026";
const TOKEN = ADMIN_TOKEN;
const NEXT_TOKEN = "test-admin-token-next";
let changes: TestQueue<ChangesMessage>;

beforeEach(async () => {
  await loadEvents(env, buildSite(), [buildTestEvent()], new Date());
  changes = captureQueues().changes;
});
afterEach(() => vi.restoreAllMocks());

/** Delivers everything queued on CHANGES as one batch; nothing may be retried. */
async function processQueued() {
  expect((await changes.deliver()).retryMessages).toEqual([]);
}

const changeTypes = async () =>
  (await env.DB.prepare("SELECT type, session_id, url FROM changes ORDER BY seq").all()).results;

describe("authentication", () => {
  it.each([
    ["no token", undefined],
    ["a wrong token", "nope"],
    ["a token prefix", "test-admin"],
  ])("refuses %s with 401 and the envelope", async (_, token) => {
    const res = await fetchWorker(
      "/api/admin/failures",
      token ? { headers: { authorization: `Bearer ${token}` } } : {},
    );
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
  });

  it.each([
    ["no Authorization header", undefined, 401, 'Bearer realm=""', "A bearer token is required."],
    [
      "a malformed header",
      "Basic dXNlcjpwYXNz",
      400,
      'Bearer error="invalid_request"',
      "Malformed Authorization header.",
    ],
    ["a wrong token", "Bearer nope", 401, 'Bearer error="invalid_token"', "The token is not valid."],
  ])("answers %s with Hono's challenge and the envelope", async (_, authorization, status, challenge, message) => {
    const res = await fetchWorker("/api/admin/failures", authorization ? { headers: { authorization } } : {});
    expect(res.status).toBe(status);
    expect(res.headers.get("www-authenticate")).toBe(challenge);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ error: { code: "unauthorized", message } });
  });

  it("accepts both tokens during a rotation", async () => {
    expect((await sendAdmin("GET", "/api/admin/failures", undefined, TOKEN)).status).toBe(200);
    expect((await sendAdmin("GET", "/api/admin/failures", undefined, NEXT_TOKEN)).status).toBe(200);
  });
});

describe("edits land in the change log", () => {
  it("adds and removes a notes link", async () => {
    const url = "https://etherpad.wikimedia.org/p/xen-rust";
    const add = await sendAdmin("POST", `/api/admin/events/${EVENT}/sessions/rust-and-xen/notes`, {
      url,
      label: "live notes",
    });
    expect(add.status).toBe(202);
    expect(await add.json()).toMatchObject({ status: "queued" });
    await processQueued();
    const session = await getJson<{ notes: unknown[]; latestChange: { type: string } }>(
      `/api/events/${EVENT}/sessions/rust-and-xen`,
    );
    expect(session.notes).toEqual([{ url, kind: "etherpad", label: "live notes", watchable: true }]);
    expect(session.latestChange.type).toBe("link.added");

    const remove = await sendAdmin(
      "DELETE",
      `/api/admin/events/${EVENT}/sessions/rust-and-xen/notes?url=${encodeURIComponent(url)}`,
    );
    expect(remove.status).toBe(202);
    await processQueued();
    expect(await changeTypes()).toEqual([
      { type: "link.added", session_id: "rust-and-xen", url },
      { type: "link.removed", session_id: "rust-and-xen", url },
    ]);
  });

  it("adds a session, then edits it", async () => {
    const put = (body: unknown) => sendAdmin("PUT", `/api/admin/events/${EVENT}/sessions/xen-and-arm`, body);
    expect((await put({ title: "Xen and Arm", description: "SMMU, virtio." })).status).toBe(202);
    await processQueued();
    expect((await put({ title: "Xen and Arm", description: "SMMU, virtio and SCMI." })).status).toBe(202);
    await processQueued();
    expect(await changeTypes()).toEqual([
      { type: "session.added", session_id: "xen-and-arm", url: null },
      { type: "session.edited", session_id: "xen-and-arm", url: null },
    ]);
    const page = await getText(`/events/${EVENT}/sessions/xen-and-arm`);
    expect(page).toContain("SMMU, virtio and SCMI.");
  });

  it("imports a design-sessions page into a new event as its baseline: one change, not one per session", async () => {
    const res = await sendAdmin("POST", "/api/admin/events/xen-design-sessions-2019/import", {
      title: "Xen Design Sessions 2019",
      text: seed,
    });
    expect(res.status).toBe(202);
    await processQueued();
    const event = await getJson<{
      sessions: unknown[];
      changeCount: number;
      latestChanges: { type: string; session: string | null; summary: string }[];
    }>("/api/events/xen-design-sessions-2019");
    expect(event.sessions).toHaveLength(21);
    expect(event.changeCount).toBe(1);
    expect(event.latestChanges).toMatchObject([
      { type: "event.imported", session: null, summary: "Schedule imported: 21 sessions" },
    ]);
  });

  it("answers 413, storing nothing, for an import too large to store once JSON-escaped", async () => {
    // Within the text limit, but every control character escapes to six bytes in the stored receipt.
    const res = await sendAdmin("POST", "/api/admin/events/xen-design-sessions-2019/import", {
      title: "Xen Design Sessions 2019",
      text: "\u0001".repeat(400_000),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
    expect(changes.sent).toEqual([]);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM receipts").first()).toEqual({ n: 0 });
  });

  it("deduplicates on Idempotency-Key", async () => {
    const body = { url: "https://hackmd.io/abc" };
    const path = `/api/admin/events/${EVENT}/sessions/rust-and-xen/notes`;
    const first = await sendAdmin("POST", path, body, TOKEN, { "idempotency-key": "k1" });
    const again = await sendAdmin("POST", path, body, TOKEN, { "idempotency-key": "k1" });
    expect([first.status, again.status]).toEqual([202, 200]);
    expect(changes.sent).toHaveLength(1);
  });
});

describe("bad input", () => {
  it("answers 404 for an unknown event or session and queues nothing", async () => {
    expect(
      (await sendAdmin("POST", `/api/admin/events/nope/sessions/rust-and-xen/notes`, { url: "https://hackmd.io/a" }))
        .status,
    ).toBe(404);
    expect(
      (await sendAdmin("POST", `/api/admin/events/${EVENT}/sessions/nope/notes`, { url: "https://hackmd.io/a" }))
        .status,
    ).toBe(404);
    expect((await sendAdmin("PUT", `/api/admin/events/nope/sessions/x`, { title: "X" })).status).toBe(404);
    expect(changes.sent).toEqual([]);
  });

  it("answers 400 with the issues for invalid bodies", async () => {
    const res = await sendAdmin("POST", `/api/admin/events/${EVENT}/sessions/rust-and-xen/notes`, {
      url: "javascript:alert(1)",
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; issues: { path: string[] }[] } };
    expect(body.error.code).toBe("bad_request");
    expect(body.error.issues[0]!.path).toEqual(["url"]);
    expect((await sendAdmin("PUT", `/api/admin/events/${EVENT}/sessions/x`, { description: "no title" })).status).toBe(
      400,
    );
  });

  it("refuses a page that does not import with 400 naming the line, and keeps the catalogue as it was", async () => {
    const res = await sendAdmin("POST", `/api/admin/events/${EVENT}/import`, { title: "Broken", text: "From Xen\n" });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: "invalid_schedule",
      message: expect.stringMatching(/: line 1: /),
    });
    expect(changes.sent).toEqual([]);
    const event = await getJson<{ title: string; sessions: unknown[] }>(`/api/events/${EVENT}`);
    expect(event).toMatchObject({ title: "Test Summit 2026", sessions: buildTestEvent().sessions });
  });

  it("answers a method a path does not take with 405 and Allow, once the token is checked", async () => {
    const notesPath = `/api/admin/events/${EVENT}/sessions/rust-and-xen/notes`;
    for (const [method, path, allow] of [
      ["GET", notesPath, "POST, DELETE"],
      ["POST", `/api/admin/events/${EVENT}/sessions/rust-and-xen`, "PUT"],
      ["PUT", "/api/admin/failures", "GET, HEAD"],
    ]) {
      const res = await sendAdmin(method!, path!);
      expect(res.status).toBe(405);
      expect(res.headers.get("allow")).toBe(allow);
      expect(await res.json()).toEqual({
        error: { code: "method_not_allowed", message: `${method} is not allowed here; use ${allow}.` },
      });
    }
    expect((await sendAdmin("GET", notesPath, undefined, "wrong")).status).toBe(401);
    expect((await sendAdmin("GET", "/api/admin/nothing-here")).status).toBe(404);
    expect(changes.sent).toEqual([]);
  });

  it("answers 503 when the edit cannot be queued", async () => {
    changes.refuse((call) => call === 1, new Error("queue down"));
    const res = await sendAdmin("POST", `/api/admin/events/${EVENT}/sessions/rust-and-xen/notes`, {
      url: "https://hackmd.io/b",
    });
    expect(res.status).toBe(503);
  });
});

describe("PUT keeps what it omits", () => {
  const path = (session: string) => `/api/admin/events/${EVENT}/sessions/${session}`;
  const getSession = (session: string) =>
    getJson<{
      title: string;
      description: string;
      hosts: string[];
      notesPublished: boolean;
      notes: { url: string }[];
    }>(`/api/events/${EVENT}/sessions/${session}`);

  it("keeps the description, hosts, notesPublished and notes of an existing session", async () => {
    const { description, hosts, notesPublished, notes } = await getSession("xen-toolstacks");
    expect(notes).toHaveLength(2);
    expect((await sendAdmin("PUT", path("xen-toolstacks"), { title: "Xen Toolstacks, again" })).status).toBe(202);
    await processQueued();
    expect(await getSession("xen-toolstacks")).toMatchObject({
      title: "Xen Toolstacks, again",
      ...{ description, hosts, notesPublished, notes },
    });
    const { results } = await env.DB.prepare("SELECT type, summary FROM changes").all();
    expect(results).toEqual([{ type: "session.edited", summary: "Edited: title" }]);
  });

  it("merges when the edit is applied, so an edit queued behind another does not undo it", async () => {
    const first = { title: "Xen Toolstacks", description: "The new daemon.", hosts: ["Ada Lovelace"] };
    expect((await sendAdmin("PUT", path("xen-toolstacks"), first)).status).toBe(202);
    expect((await sendAdmin("PUT", path("xen-toolstacks"), { title: "Xen Toolstacks 2" })).status).toBe(202);
    await processQueued();
    expect(await getSession("xen-toolstacks")).toMatchObject({ ...first, title: "Xen Toolstacks 2" });
  });

  it("gives a new session defaults, and publishes notes when a put adds a link and says nothing about it", async () => {
    await sendAdmin("PUT", path("xen-and-arm"), { title: "Xen and Arm" });
    await sendAdmin("PUT", path("xen-on-risc-v"), {
      title: "Xen on RISC-V",
      notes: [{ url: "https://hackmd.io/riscv" }],
    });
    await processQueued();
    expect(await getSession("xen-and-arm")).toMatchObject({
      description: "",
      hosts: [],
      notesPublished: false,
      notes: [],
    });
    expect(await getSession("xen-on-risc-v")).toMatchObject({
      notesPublished: true,
      notes: [{ url: "https://hackmd.io/riscv" }],
      description: buildTestEvent().sessions[2]!.description,
    });
  });

  it("says so in the OpenAPI document", async () => {
    const doc = await getJson<{ paths: Record<string, Record<string, { summary: string; description: string }>> }>(
      "/api/openapi.json",
    );
    const put = doc.paths["/api/admin/events/{event}/sessions/{session}"]!.put!;
    expect(put.summary).toMatch(/omitted fields keep their current value/);
    expect(put.description).toMatch(
      /Omitted fields \(description, hosts, notesPublished, notes\) keep their current value/,
    );
  });
});

describe("limits", () => {
  const putPath = `/api/admin/events/${EVENT}/sessions/xen-toolstacks`;
  const expectEnvelope = async (res: Response, status: number, code: string) => {
    expect(res.status).toBe(status);
    const body = (await res.json()) as { error: { code: string; message: string; issues?: { message: string }[] } };
    expect(body.error.code).toBe(code);
    return body.error;
  };

  it("answers 413 with the envelope for an edit body over MAX_ADMIN_EDIT_BODY_BYTES, 401 before it", async () => {
    const body = { title: "X", description: "x".repeat(MAX_ADMIN_EDIT_BODY_BYTES) };
    await expectEnvelope(await sendAdmin("PUT", putPath, body), 413, "payload_too_large");
    await expectEnvelope(
      await sendAdmin("POST", `${putPath}/notes`, {
        url: "https://hackmd.io/a",
        label: "x".repeat(MAX_ADMIN_EDIT_BODY_BYTES),
      }),
      413,
      "payload_too_large",
    );
    await expectEnvelope(await sendAdmin("PUT", putPath, body, "wrong"), 401, "unauthorized");
    expect(changes.sent).toEqual([]);
  });

  it("answers 413 for an import over MAX_ADMIN_IMPORT_BODY_BYTES, and 400 for a text over 1 MiB of UTF-8", async () => {
    const importPath = `/api/admin/events/${EVENT}/import`;
    await expectEnvelope(
      await sendAdmin("POST", importPath, { title: "X", text: "x".repeat(MAX_ADMIN_IMPORT_BODY_BYTES) }),
      413,
      "payload_too_large",
    );
    // 400,000 characters, 1,200,000 bytes: within the body cap, over the text's own limit, measured in bytes.
    const error = await expectEnvelope(
      await sendAdmin("POST", importPath, { title: "X", text: "€".repeat(400_000) }),
      400,
      "bad_request",
    );
    expect(error.issues![0]!.message).toBe(`Too big: expected at most ${MAX_IMPORT_TEXT_BYTES} bytes of UTF-8`);
    expect(changes.sent).toEqual([]);
  });

  it.each([
    ["a title", { title: "x".repeat(MAX_SESSION_TITLE_CHARS + 1) }],
    ["a title of only controls", { title: "\u202E\u0007" }],
    ["a description", { title: "X", description: "x".repeat(MAX_DESCRIPTION_CHARS + 1) }],
    ["a host", { title: "X", hosts: ["x".repeat(MAX_HOST_CHARS + 1)] }],
    ["the hosts", { title: "X", hosts: Array.from({ length: MAX_HOSTS + 1 }, (_, i) => `Host ${i}`) }],
    ["a notes URL", { title: "X", notes: [{ url: `https://hackmd.io/${"x".repeat(MAX_URL_CHARS)}` }] }],
    ["a label", { title: "X", notes: [{ url: "https://hackmd.io/x", label: "x".repeat(MAX_LABEL_CHARS + 1) }] }],
  ])("answers 400 for too long %s", async (_, body) => {
    await expectEnvelope(await sendAdmin("PUT", putPath, body), 400, "bad_request");
    expect(changes.sent).toEqual([]);
  });

  it("stores titles, hosts and labels without control or bidi characters", async () => {
    const res = await sendAdmin("PUT", putPath, {
      title: "Xen\u202E Tool\u0007stacks\u2066",
      hosts: ["Ada\u202D\nLovelace"],
      notes: [{ url: "https://hackmd.io/x", label: "live\u2067 notes\u0000" }],
    });
    expect(res.status).toBe(202);
    await processQueued();
    const session = await getJson<{ title: string; hosts: string[]; notes: { label?: string }[] }>(
      `/api/events/${EVENT}/sessions/xen-toolstacks`,
    );
    expect(session).toMatchObject({
      title: "Xen Tool stacks",
      hosts: ["Ada Lovelace"],
      notes: [{ label: "live notes" }],
    });
  });
});
