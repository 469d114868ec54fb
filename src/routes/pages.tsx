// HTML pages, rendered from the KV read model; D1 is never read here. A page is rendered once per published
// value an isolate holds: the read cache (store/read-cache.ts) hands out the same parsed object until the value
// expires or a publish in this isolate forgets it, and the HTML rendered from that object is kept beside it
// (a WeakMap, so it goes when the object does). Serving a page then costs about what serving a feed does.
import { Hono } from "hono";
import type { JSX } from "hono/jsx/jsx-runtime";
import { AppError } from "../errors.ts";
import type { AppContext, AppEnv } from "../http/env.ts";
import { getEventList, getEventPage, getSessionPage } from "../store/site.ts";
import { EventPageView, HomePage, SessionPageView } from "../views/pages.tsx";

export const pageRoutes = new Hono<AppEnv>();

const rendered = new WeakMap<object, Promise<string>>();

/** The page for `value`, rendered the first time it is asked for. */
function renderOnce(c: AppContext, value: object, render: () => JSX.Element) {
  let html = rendered.get(value);
  if (!html) {
    html = Promise.resolve(render().toString());
    rendered.set(value, html);
    html.catch(() => rendered.delete(value));
  }
  return html.then((body) => c.html(body));
}

const NO_EVENTS = { events: [] };

pageRoutes.get("/", async (c) => {
  const list = (await getEventList(c.env.SITE)) ?? NO_EVENTS;
  return renderOnce(c, list, () => <HomePage list={list} />);
});

pageRoutes.get("/events/:event", async (c) => {
  const event = await getEventPage(c.env.SITE, c.req.param("event"));
  if (!event) throw new AppError(404, "not_found", "There is no event at this address.");
  return renderOnce(c, event, () => <EventPageView event={event} />);
});

pageRoutes.get("/events/:event/sessions/:session", async (c) => {
  const page = await getSessionPage(c.env.SITE, c.req.param("event"), c.req.param("session"));
  if (!page) throw new AppError(404, "not_found", "There is no session at this address.");
  return renderOnce(c, page, () => <SessionPageView page={page} />);
});
