// Every page state as a browser gets it: served in standards mode (the doctype in the bytes, gzipped or not),
// valid HTML by html-validate's recommended rules with headings in order; and an event's sessions found without
// JavaScript, by notes status, day, room, track and text, from queries anyone can write.
import { env } from "cloudflare:workers";
import { HtmlValidate } from "html-validate";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Event } from "../../src/domain/event.ts";
import { MAX_SEARCH_CHARS } from "../../src/domain/limits.ts";
import { signToken } from "../../src/email/tokens.ts";
import { pagePaths, subscriptionPaths } from "../../src/paths.ts";
import { loadEvents } from "../../src/pipeline/publish.ts";
import { buildSite } from "../helpers/config.ts";
import { putTestChange, putTestSubscription } from "../helpers/factories.ts";
import { fetchWorker } from "../helpers/http.ts";
import { captureQueues } from "../helpers/queue.ts";
import { buildTestEvent, buildTestSession } from "../fixtures/catalogue.ts";

const UNTIMED = buildTestEvent({
  sessions: [
    ...buildTestEvent().sessions,
    buildTestSession({ id: "old-idea", title: "An old idea", notesPublished: false, notes: [], withdrawn: true }),
  ],
});

/** Two days in Brussels, two rooms, two tracks; one session starts after midnight there but before it in UTC. */
const TIMED: Event = {
  id: "conf-2026",
  title: "Conf 2026",
  timeZone: "Europe/Brussels",
  sessions: [
    buildTestSession({
      id: "opening",
      title: "Opening",
      description: "Welcome to Zürich's finest summit.",
      hosts: ["Ada Lovelace"],
      start: "2026-02-01T08:00:00Z",
      end: "2026-02-01T08:30:00Z",
      room: "Main",
      track: "Plenary",
    }),
    buildTestSession({
      id: "rust-in-xen",
      title: "Rust in Xen",
      description: "Memory safety for the hypervisor.",
      hosts: ["Grace Hopper"],
      notesPublished: false,
      notes: [],
      start: "2026-02-01T09:00:00Z",
      end: "2026-02-01T09:30:00Z",
      room: "Side",
      track: "Languages",
    }),
    buildTestSession({
      id: "late-night-hacking",
      title: "Late-night hacking",
      description: "Bring a laptop.",
      hosts: [],
      notesPublished: false,
      notes: [],
      start: "2026-02-01T23:30:00Z",
      room: "Main",
      track: "Languages",
    }),
    buildTestSession({
      id: "closing",
      title: "Closing",
      description: "Goodbye.",
      hosts: ["Ada Lovelace", "Alan Turing"],
      start: "2026-02-02T16:00:00Z",
      end: "2026-02-02T16:30:00Z",
      room: "Main",
      track: "Plenary",
      withdrawn: true,
    }),
    buildTestSession({ id: "unscheduled-bof", title: "Unscheduled BoF", description: "", notes: [] }),
  ],
};

const T0 = new Date("2026-11-27T00:00:00Z");

beforeEach(async () => {
  await loadEvents(env, buildSite(), [UNTIMED, TIMED], T0);
});
afterEach(() => vi.restoreAllMocks());

const eventPath = (query = "") => `${pagePaths.event(TIMED.id)}${query ? `?${query}` : ""}`;
const getHtml = async (path: string, init: RequestInit = {}) => (await fetchWorker(path, init)).text();
/** The titles of the sessions an event page lists, in order (cards have their title in a heading link). */
const listTitles = (html: string) =>
  [...html.matchAll(/<h[34]><a href="\/events\/[^"/]+\/sessions\/[^"]+">([^<]*)<\/a><\/h[34]>/g)].map((m) => m[1]);
const TIMED_SESSIONS = ["Opening", "Rust in Xen", "Late-night hacking", "Closing", "Unscheduled BoF"];

describe("every page state", () => {
  const validator = new HtmlValidate({
    extends: ["html-validate:recommended"],
    // hono/jsx writes void elements as `<meta/>` and boolean attributes as `required=""`, both of which HTML
    // allows: the style is only held consistent.
    rules: {
      "heading-level": "error",
      "missing-doctype": "error",
      "void-style": ["error", { style: "selfclose" }],
      "attribute-boolean-style": ["error", { style: "empty" }],
      // Checkboxes of one list share their name (the subscribe form's `sessions`), as HTML forms always have.
      "form-dup-name": ["error", { shared: ["radio", "checkbox", "button", "reset", "submit"] }],
    },
  });

  /** Every HTML answer a reader can get, by name: path and request, and the status it comes with. */
  async function listPageStates(): Promise<[string, Response][]> {
    const notify = captureQueues().notify;
    const pending = await putTestSubscription({
      email: "ada@example.org",
      event: UNTIMED.id,
      session: "xen-toolstacks",
    });
    await putTestSubscription({ email: "ada@example.org", event: UNTIMED.id });
    const confirmed = await putTestSubscription({ email: "bob@example.org", event: TIMED.id, status: "confirmed" });
    await putTestChange({ event: UNTIMED.id, session: "xen-toolstacks", excerpt: "- keep the ABI" });
    const secret = env.SUBSCRIPTION_SECRET;
    const form = (fields: Record<string, string>) => ({
      method: "POST",
      body: new URLSearchParams(fields),
      headers: { "cf-connecting-ip": `pages-${crypto.randomUUID()}` },
    });
    const states: [string, string, RequestInit, number][] = [
      ["home", pagePaths.home(), {}, 200],
      ["event without times", pagePaths.event(UNTIMED.id), {}, 200],
      ["event without times, filtered", `${pagePaths.event(UNTIMED.id)}?notes=missing`, {}, 200],
      ["event with times", eventPath(), {}, 200],
      ["event with times, filtered", eventPath("day=2026-02-01&room=Main&q=open"), {}, 200],
      ["event with times, nothing found", eventPath("q=nothing+matches+this"), {}, 200],
      ["session with notes", pagePaths.session(UNTIMED.id, "xen-toolstacks"), {}, 200],
      ["session without notes", pagePaths.session(UNTIMED.id, "xen-on-risc-v"), {}, 200],
      ["session withdrawn", pagePaths.session(UNTIMED.id, "old-idea"), {}, 200],
      ["session with a time", pagePaths.session(TIMED.id, "rust-in-xen"), {}, 200],
      ["not found", pagePaths.event("no-such-event"), {}, 404],
      ["method not allowed", pagePaths.home(), { method: "POST" }, 405],
      ["subscribe accepted", subscriptionPaths.subscribe(), form({ email: "eve@example.org", event: TIMED.id }), 202],
      ["subscribe problems", subscriptionPaths.subscribe(), form({ email: "not an address", event: TIMED.id }), 400],
      ["confirm", subscriptionPaths.confirm(await signToken(secret, "confirm", pending, T0)), {}, 200],
      ["bad link", subscriptionPaths.confirm("forged"), {}, 400],
      [
        "confirmed",
        subscriptionPaths.confirm(),
        form({ token: await signToken(secret, "confirm", pending, new Date()) }),
        200,
      ],
      ["unsubscribe", subscriptionPaths.unsubscribe(await signToken(secret, "unsubscribe", confirmed, T0)), {}, 200],
      [
        "unsubscribed",
        subscriptionPaths.unsubscribe(await signToken(secret, "unsubscribe", confirmed, T0)),
        form({ "List-Unsubscribe": "One-Click" }),
        200,
      ],
    ];
    const answers: [string, Response][] = [];
    for (const [name, path, init, status] of states) {
      const res = await fetchWorker(path, init);
      expect(res.status, name).toBe(status);
      expect(res.headers.get("content-type"), name).toMatch(/^text\/html/);
      answers.push([name, res]);
    }
    expect(notify.sent.map((m) => m.body.type)).toEqual(["confirm"]);
    return answers;
  }

  it("are served in standards mode and are valid HTML, headings in order", async () => {
    const answers = await listPageStates();
    expect(answers).toHaveLength(19);
    const faults: Record<string, string[]> = {};
    for (const [name, res] of answers) {
      const html = await res.text();
      const report = await validator.validateString(html);
      const messages = report.results.flatMap((r) => r.messages.map((m) => `${m.ruleId}: ${m.message}`));
      if (!html.startsWith("<!DOCTYPE html>")) messages.unshift("does not start with <!DOCTYPE html>");
      if (messages.length > 0) faults[name] = messages;
    }
    expect(faults).toEqual({});
  });

  it("keep the doctype when gzipped", async () => {
    const res = await fetchWorker(pagePaths.event(UNTIMED.id), { headers: { "accept-encoding": "gzip" } });
    expect(res.headers.get("content-encoding")).toBe("gzip");
    expect((await res.text()).startsWith("<!DOCTYPE html>")).toBe(true);
  });

  it("fail validation on the faults they are checked for", async () => {
    // The checks above can fail: a heading jump and a missing doctype are both reported.
    const report = await validator.validateString(
      '<html lang="en"><head><title>x</title></head><body><main><h1>a</h1><h3>b</h3></main></body></html>',
    );
    const rules = report.results.flatMap((r) => r.messages.map((m) => m.ruleId));
    expect(rules).toEqual(expect.arrayContaining(["heading-level", "missing-doctype"]));
  });
});

describe("an event page", () => {
  it("lists the sessions before the latest changes and the subscribe form", async () => {
    await putTestChange({ event: TIMED.id, session: "opening", sessionTitle: "Opening" });
    const html = await getHtml(eventPath());
    const firstSession = html.indexOf('href="/events/conf-2026/sessions/opening"');
    expect(firstSession).toBeGreaterThan(0);
    expect(html.indexOf('id="latest-changes"')).toBeGreaterThan(html.lastIndexOf("/sessions/unscheduled-bof"));
    expect(html.indexOf('class="mail-subscribe"')).toBeGreaterThan(html.indexOf('id="latest-changes"'));
  });

  it("groups a schedule by day and room in the event's time zone, sessions in the order they start", async () => {
    const html = await getHtml(eventPath());
    const [day1, day2] = html.split('<h2 id="day-2026-02-02">');
    expect(day1).toContain('<h2 id="day-2026-02-01">Sunday, 1 February 2026</h2>');
    expect(listTitles(day1!)).toEqual(["Opening", "Rust in Xen"]);
    // 23:30 UTC is 00:30 on Monday in Brussels.
    expect(day2).toMatch(/^Monday, 2 February 2026<\/h2>/);
    expect(day2).toContain('<time datetime="2026-02-01T23:30:00Z">00:30</time>');
    expect(listTitles(day2!)).toEqual(["Late-night hacking", "Closing", "Unscheduled BoF"]);
    expect(day2).toContain('<span class="status none">Withdrawn</span>');
    expect(html).toContain('<h3 id="day-2026-02-01-side">Side <span class="count">(1)</span></h3>');
    // A track the room heading does not say is on the card.
    expect(day1).toMatch(
      /Rust in Xen<\/a><\/h4><span class="status none">No notes yet<\/span><span class="count"> · Languages/,
    );
  });

  it("groups by track when the schedule has tracks and no rooms, and by day alone when it has neither", async () => {
    const strip = (room: boolean, track: boolean): Event => ({
      ...TIMED,
      id: `conf-${room}-${track}`,
      sessions: TIMED.sessions.map(({ room: r, track: t, ...s }) => ({
        ...s,
        ...(room && r ? { room: r } : {}),
        ...(track && t ? { track: t } : {}),
      })),
    });
    await loadEvents(env, buildSite(), [strip(false, true), strip(false, false)], T0);
    const byTrack = await getHtml(pagePaths.event("conf-false-true"));
    expect(byTrack).toContain('<h3 id="day-2026-02-01-languages">Languages <span class="count">(1)</span></h3>');
    const byDay = await getHtml(pagePaths.event("conf-false-false"));
    expect(byDay).not.toMatch(/<h3 id="day-/);
    expect(byDay).toContain('<h3><a href="/events/conf-false-false/sessions/opening">Opening</a></h3>');
  });

  it("offers only the filters the event has values for", async () => {
    const timed = await getHtml(eventPath());
    const options = (name: string) =>
      [
        ...(new RegExp(`<select id="find-${name}" name="${name}">(.*?)</select>`).exec(timed)?.[1] ?? "").matchAll(
          /<option value="([^"]*)"/g,
        ),
      ].map((m) => m[1]);
    expect(options("notes")).toEqual(["", "published", "missing"]);
    expect(options("day")).toEqual(["", "2026-02-01", "2026-02-02"]);
    expect(options("room")).toEqual(["", "Main", "Side"]);
    expect(options("track")).toEqual(["", "Languages", "Plenary"]);
    expect(timed).toMatch(/<form class="find" method="get" action="\/events\/conf-2026"/);
    const untimed = await getHtml(pagePaths.event(UNTIMED.id));
    expect(untimed).toContain('name="notes"');
    expect(untimed).toContain("<summary>Filter by notes</summary>");
    expect(untimed).not.toMatch(/name="(day|room|track)"/);
  });
});

describe("finding a session without JavaScript", () => {
  it.each([
    ["notes=published", ["Opening", "Closing", "Unscheduled BoF"]],
    ["notes=missing", ["Rust in Xen", "Late-night hacking"]],
    ["day=2026-02-02", ["Late-night hacking", "Closing"]],
    ["room=Main", ["Opening", "Late-night hacking", "Closing"]],
    ["track=Languages", ["Rust in Xen", "Late-night hacking"]],
    ["room=Main&track=Languages&day=2026-02-02&notes=missing", ["Late-night hacking"]],
    // Titles, descriptions and hosts; any case, any accents, every word in any order.
    ["q=rust", ["Rust in Xen"]],
    ["q=HYPERVISOR", ["Rust in Xen"]],
    ["q=zurich", ["Opening"]],
    ["q=z%C3%BCrich+welcome", ["Opening"]],
    ["q=lovelace", ["Opening", "Closing"]],
    ["q=lovelace+turing", ["Closing"]],
    ["q=turing+lovelace&room=Main", ["Closing"]],
  ])("?%s finds %j", async (query, titles) => {
    const html = await getHtml(eventPath(query));
    expect(listTitles(html)).toEqual(titles);
    expect(html).toContain(
      `<p class="found">${titles.length} of 5 sessions match. <a href="/events/conf-2026">Show all sessions</a></p>`,
    );
  });

  it("keeps the query in the form, so a reader sees what is applied", async () => {
    const html = await getHtml(eventPath("q=rust&notes=missing&day=2026-02-01&room=Side&track=Languages"));
    expect(html).toContain('name="q" value="rust"');
    for (const selected of ["missing", "2026-02-01", "Side", "Languages"])
      expect(html).toContain(`<option value="${selected}" selected="">`);
    // The filters fold away unless one applies.
    expect(html).toContain('<details open=""><summary>Filter by notes, day, room or track</summary>');
    expect(await getHtml(eventPath("q=rust"))).toContain("<details><summary>Filter by notes, day, room or track");
  });

  it("says when nothing matches and offers to clear the filters", async () => {
    const html = await getHtml(eventPath("q=quantum&room=Side"));
    expect(listTitles(html)).toEqual([]);
    expect(html).toContain(
      '<p class="found">No session matches these filters. <a href="/events/conf-2026">Clear the filters</a> to see all 5 sessions.</p>',
    );
    const untimed = await getHtml(`${pagePaths.event(UNTIMED.id)}?q=quantum`);
    expect(untimed).toContain("No session matches these filters.");
    expect(untimed).not.toContain('id="published"');
  });

  it("groups what it found as the whole page does", async () => {
    const html = await getHtml(`${pagePaths.event(UNTIMED.id)}?q=xen`);
    expect(html).toContain('<h2 id="published">Notes published <span class="count">(2)</span></h2>');
    expect(html).toContain('<h2 id="pending">No notes yet <span class="count">(1)</span></h2>');
  });

  it("ignores values the event does not have and parameters it does not know: the page is the whole one", async () => {
    const whole = await getHtml(eventPath());
    for (const query of [
      "day=2027-01-01",
      "room=Nowhere",
      "track=%3Cscript%3E",
      "notes=maybe",
      "utm_source=mail",
      "q=%20%20%20",
      "q=",
      "room=main",
    ]) {
      const html = await getHtml(eventPath(query));
      expect({ query, same: html === whole }).toEqual({ query, same: true });
    }
  });

  it("takes the first of repeated parameters", async () => {
    const html = await getHtml(eventPath("room=Side&room=Main&q=rust&q=opening"));
    expect(listTitles(html)).toEqual(["Rust in Xen"]);
    expect(html).toContain('name="q" value="rust"');
  });

  it("cuts a huge search to MAX_SEARCH_CHARS and answers as fast as a short one", async () => {
    const huge = "rust ".repeat(3000);
    const started = Date.now();
    const res = await fetchWorker(eventPath(`q=${encodeURIComponent(huge)}`));
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(Date.now() - started).toBeLessThan(2000);
    const shown = /name="q" value="([^"]*)"/.exec(html)![1]!;
    expect(shown.length).toBeLessThanOrEqual(MAX_SEARCH_CHARS);
    expect(shown).toBe(huge.slice(0, MAX_SEARCH_CHARS).trim());
    expect(listTitles(html)).toEqual(["Rust in Xen"]);
  });

  it("escapes what a query says, wherever the page repeats it", async () => {
    const html = await getHtml(eventPath(`q=${encodeURIComponent('"><script>alert(1)</script>')}`));
    expect(html).not.toContain("<script>");
    expect(html).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(html).toContain("No session matches these filters.");
  });

  it("answers HEAD of a filtered page like its GET, without a body", async () => {
    const res = await fetchWorker(eventPath("notes=published"), { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
  });

  it("serves a filtered page gzipped when the client takes it, the same page as plain", async () => {
    const plain = await getHtml(eventPath("notes=published"));
    const res = await fetchWorker(eventPath("notes=published"), { headers: { "accept-encoding": "gzip" } });
    expect(res.headers.get("content-encoding")).toBe("gzip");
    expect(await res.text()).toBe(plain);
  });

  it("shows a new publish of the event, not a filtered view kept from before", async () => {
    expect(listTitles(await getHtml(eventPath("q=rust")))).toEqual(["Rust in Xen"]);
    // Retitled in D1, then published: the read model and every view of it are rebuilt.
    await env.DB.prepare("UPDATE sessions SET title = ? WHERE event_id = ? AND id = ?")
      .bind("Rust in the hypervisor", TIMED.id, "rust-in-xen")
      .run();
    await loadEvents(env, buildSite(), [], T0);
    expect(listTitles(await getHtml(eventPath("q=rust")))).toEqual(["Rust in the hypervisor"]);
  });
});
