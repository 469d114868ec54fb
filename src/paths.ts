// The public URL contract: every path of the public site is built here, so the routes that serve a path, the
// feeds, pages and mails that link to it and the tests that request it cannot drift apart. Event and session
// ids are slugs (domain/event.ts) and go into a path as they are; tokens are percent-encoded.
// test/unit/paths.test.ts spells every path out: changing one is a visible change of the contract.
import type { FeedFormat } from "./feeds/model.ts";

export const pagePaths = {
  home: () => "/",
  event: (eventId: string) => `/events/${eventId}`,
  session: (eventId: string, sessionId: string) => `/events/${eventId}/sessions/${sessionId}`,
  /** The page of a change's or a subscription's scope: the session's, or the event's when it names none. */
  scope: (eventId: string, sessionId: string | null) =>
    sessionId ? pagePaths.session(eventId, sessionId) : pagePaths.event(eventId),
};

/** One feed per scope and format. */
export const feedPaths = {
  all: (f: FeedFormat) => `/feed.${f}`,
  event: (eventId: string, f: FeedFormat) => `/events/${eventId}/feed.${f}`,
  session: (eventId: string, sessionId: string, f: FeedFormat) => `/events/${eventId}/sessions/${sessionId}/feed.${f}`,
  /** What every session feed of an event starts with (publishing removes those of sessions that are gone). */
  sessionsPrefix: (eventId: string) => `/events/${eventId}/sessions/`,
  /** The XSLT stylesheet RSS and Atom feeds name, so that a browser opening one shows a page. */
  stylesheet: () => "/feed.xsl",
};

/** An iCalendar file per event and per session (RFC 5545). */
export const calendarPaths = {
  event: (eventId: string) => `/events/${eventId}/calendar.ics`,
  session: (eventId: string, sessionId: string) => `/events/${eventId}/sessions/${sessionId}/calendar.ics`,
  /** What every session calendar of an event starts with (publishing removes those of sessions that are gone). */
  sessionsPrefix: (eventId: string) => `/events/${eventId}/sessions/`,
};

const withToken = (path: string, token?: string) =>
  token === undefined ? path : `${path}?token=${encodeURIComponent(token)}`;

/**
 * The subscribe form posts to `subscribe`; the links in mails carry their token in the query. The manage page's
 * forms post to `manage()` with the token in the body.
 */
export const subscriptionPaths = {
  subscribe: () => "/subscriptions",
  confirm: (token?: string) => withToken("/subscriptions/confirm", token),
  unsubscribe: (token?: string) => withToken("/subscriptions/unsubscribe", token),
  manage: (token?: string) => withToken("/subscriptions/manage", token),
};

export const apiPaths = {
  events: () => "/api/events",
  event: (eventId: string) => `/api/events/${eventId}`,
  session: (eventId: string, sessionId: string) => `/api/events/${eventId}/sessions/${sessionId}`,
  changes: (eventId: string) => `/api/events/${eventId}/changes`,
  openApi: () => "/api/openapi.json",
};

/**
 * A path as an absolute URL under the site's base (PUBLIC_BASE_URL), as feeds and mails link to it. The path
 * is absolute, so it replaces any path the base has.
 */
export const buildPublicUrl = (baseUrl: string, path: string) => new URL(path, baseUrl).href;

/** A calendar's address for "subscribe" links: calendar apps open webcal: URLs and fetch them over HTTP(S). */
export const buildWebcalUrl = (baseUrl: string, path: string) =>
  buildPublicUrl(baseUrl, path).replace(/^https?:/, "webcal:");
