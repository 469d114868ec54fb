import { describe, expect, it } from "vitest";
import {
  apiPaths,
  buildPublicUrl,
  buildWebcalUrl,
  calendarPaths,
  feedPaths,
  pagePaths,
  subscriptionPaths,
} from "../../src/paths.ts";

// The public URL contract spelled out: feed readers, mail archives and other sites hold these addresses, so a
// change here must be deliberate (and the other tests build their requests from src/paths.ts).
describe("public paths", () => {
  it("pages", () => {
    expect(pagePaths.home()).toBe("/");
    expect(pagePaths.event("xen-2019")).toBe("/events/xen-2019");
    expect(pagePaths.session("xen-2019", "rust")).toBe("/events/xen-2019/sessions/rust");
  });

  it("a scope's page is the session's, or the event's when it names no session", () => {
    expect(pagePaths.scope("xen-2019", "rust")).toBe("/events/xen-2019/sessions/rust");
    expect(pagePaths.scope("xen-2019", "")).toBe("/events/xen-2019");
    expect(pagePaths.scope("xen-2019", null)).toBe("/events/xen-2019");
  });

  it("feeds, per scope and format", () => {
    expect(feedPaths.all("rss")).toBe("/feed.rss");
    expect(feedPaths.all("json")).toBe("/feed.json");
    expect(feedPaths.event("xen-2019", "atom")).toBe("/events/xen-2019/feed.atom");
    expect(feedPaths.session("xen-2019", "rust", "json")).toBe("/events/xen-2019/sessions/rust/feed.json");
    expect(feedPaths.sessionsPrefix("xen-2019")).toBe("/events/xen-2019/sessions/");
    expect(feedPaths.stylesheet()).toBe("/feed.xsl");
  });

  it("calendars, per event and per session", () => {
    expect(calendarPaths.event("xen-2019")).toBe("/events/xen-2019/calendar.ics");
    expect(calendarPaths.session("xen-2019", "rust")).toBe("/events/xen-2019/sessions/rust/calendar.ics");
    expect(calendarPaths.sessionsPrefix("xen-2019")).toBe("/events/xen-2019/sessions/");
  });

  it("subscriptions, with the token percent-encoded when one is given", () => {
    expect(subscriptionPaths.subscribe()).toBe("/subscriptions");
    expect(subscriptionPaths.confirm()).toBe("/subscriptions/confirm");
    expect(subscriptionPaths.unsubscribe()).toBe("/subscriptions/unsubscribe");
    expect(subscriptionPaths.manage()).toBe("/subscriptions/manage");
    // Signed tokens (base64url, a dot) need no encoding, so mails keep the token as signed.
    expect(subscriptionPaths.confirm("eyJw.Ab-_9")).toBe("/subscriptions/confirm?token=eyJw.Ab-_9");
    expect(subscriptionPaths.unsubscribe("a&b=c d")).toBe("/subscriptions/unsubscribe?token=a%26b%3Dc%20d");
    expect(subscriptionPaths.manage("eyJw.Ab-_9")).toBe("/subscriptions/manage?token=eyJw.Ab-_9");
  });

  it("the JSON API", () => {
    expect(apiPaths.events()).toBe("/api/events");
    expect(apiPaths.event("xen-2019")).toBe("/api/events/xen-2019");
    expect(apiPaths.session("xen-2019", "rust")).toBe("/api/events/xen-2019/sessions/rust");
    expect(apiPaths.changes("xen-2019")).toBe("/api/events/xen-2019/changes");
    expect(apiPaths.openApi()).toBe("/api/openapi.json");
  });

  it("absolute URLs replace any path of the base", () => {
    expect(buildPublicUrl("https://sessions.example.org", feedPaths.all("atom"))).toBe(
      "https://sessions.example.org/feed.atom",
    );
    expect(buildPublicUrl("https://example.org/sessionwire/", pagePaths.event("x"))).toBe(
      "https://example.org/events/x",
    );
  });

  it("webcal: URLs name the calendar's address with the scheme calendar apps open", () => {
    expect(buildWebcalUrl("https://sessions.example.org", calendarPaths.event("x"))).toBe(
      "webcal://sessions.example.org/events/x/calendar.ics",
    );
    expect(buildWebcalUrl("http://127.0.0.1:8787", calendarPaths.session("x", "y"))).toBe(
      "webcal://127.0.0.1:8787/events/x/sessions/y/calendar.ics",
    );
  });
});
