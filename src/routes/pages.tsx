// HTML pages, rendered from the KV read model; D1 is never read here. Each page is rendered once per published
// value an isolate holds (http/render-once.ts), so serving one costs about what serving a feed does. An event
// page filtered by its find form (`?q=…&notes=…&day=…&room=…&track=…`) is one of that value's variants, keyed by
// its canonical query: the same view asked for again is a copy, and any other is one pass over the parsed event.
import { Hono } from "hono";
import type { JSX } from "hono/jsx/jsx-runtime";
import { AppError } from "../errors.ts";
import type { AppContext, AppEnv } from "../http/env.ts";
import { serveOnce } from "../http/render-once.ts";
import {
  type FilterOptions,
  type SessionQuery,
  buildDayOf,
  buildQueryString,
  filterSessions,
  listFilterOptions,
  readSessionQuery,
} from "../domain/find-sessions.ts";
import { type EventPage, getEventList, getEventPage, getSessionPage } from "../store/site.ts";
import { EventPageView, HomePage, SessionPageView } from "../views/pages.tsx";

export const pageRoutes = new Hono<AppEnv>();

const renderOnce = (c: AppContext, value: object, render: () => JSX.Element, variant = "") =>
  serveOnce(c, value, "text/html; charset=UTF-8", () => render().toString(), variant);

// What an event can be filtered by, found once per parsed event (it goes with the value, as its pages do).
const filterOptions = new WeakMap<EventPage, FilterOptions>();
function getFilterOptions(event: EventPage): FilterOptions {
  let options = filterOptions.get(event);
  if (!options) {
    options = listFilterOptions(event.sessions, buildDayOf(event.timeZone ?? "UTC"));
    filterOptions.set(event, options);
  }
  return options;
}

// What a query string asks of an event, read once per parsed event and query string as sent: a view asked for
// again (a search shared as a link, a filter a reader reloads) is then one lookup, not a URL parse. Anyone can
// send new strings, so only the first MAX_READ_QUERIES of each event value are kept.
const MAX_READ_QUERIES = 256;
const readQueries = new WeakMap<EventPage, Map<string, { query: SessionQuery; variant: string }>>();
function readEventQuery(event: EventPage, url: string) {
  const at = url.indexOf("?");
  if (at < 0) return { query: {}, variant: "" };
  const search = url.slice(at);
  let known = readQueries.get(event);
  if (!known) readQueries.set(event, (known = new Map()));
  let read = known.get(search);
  if (!read) {
    const query = readSessionQuery(new URLSearchParams(search), getFilterOptions(event));
    read = { query, variant: buildQueryString(query) };
    if (known.size < MAX_READ_QUERIES) known.set(search, read);
  }
  return read;
}

const NO_EVENTS = { events: [] };

pageRoutes.get("/", async (c) => {
  const list = (await getEventList(c.env.SITE)) ?? NO_EVENTS;
  return renderOnce(c, list, () => <HomePage list={list} />);
});

pageRoutes.get("/events/:event", async (c) => {
  const event = await getEventPage(c.env.SITE, c.req.param("event"));
  if (!event) throw new AppError(404, "not_found", "There is no event at this address.");
  const options = getFilterOptions(event);
  const { query, variant } = readEventQuery(event, c.req.url);
  return renderOnce(
    c,
    event,
    () => {
      const sessions = variant
        ? filterSessions(event.sessions, query, buildDayOf(event.timeZone ?? "UTC"))
        : event.sessions;
      return <EventPageView event={event} find={{ options, query, sessions }} baseUrl={c.get("config").site.baseUrl} />;
    },
    variant,
  );
});

pageRoutes.get("/events/:event/sessions/:session", async (c) => {
  const page = await getSessionPage(c.env.SITE, c.req.param("event"), c.req.param("session"));
  if (!page) throw new AppError(404, "not_found", "There is no session at this address.");
  return renderOnce(c, page, () => <SessionPageView page={page} baseUrl={c.get("config").site.baseUrl} />);
});
