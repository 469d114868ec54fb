// HTML pages, rendered from the KV read model; D1 is never read here. Each page is rendered once per published
// value an isolate holds (http/render-once.ts), so serving one costs about what serving a feed does.
import { Hono } from "hono";
import type { JSX } from "hono/jsx/jsx-runtime";
import { AppError } from "../errors.ts";
import type { AppContext, AppEnv } from "../http/env.ts";
import { serveOnce } from "../http/render-once.ts";
import { getEventList, getEventPage, getSessionPage } from "../store/site.ts";
import { EventPageView, HomePage, SessionPageView } from "../views/pages.tsx";

export const pageRoutes = new Hono<AppEnv>();

const renderOnce = (c: AppContext, value: object, render: () => JSX.Element) =>
  serveOnce(c, value, "text/html; charset=UTF-8", () => render().toString());

const NO_EVENTS = { events: [] };

pageRoutes.get("/", async (c) => {
  const list = (await getEventList(c.env.SITE)) ?? NO_EVENTS;
  return renderOnce(c, list, () => <HomePage list={list} />);
});

pageRoutes.get("/events/:event", async (c) => {
  const event = await getEventPage(c.env.SITE, c.req.param("event"));
  if (!event) throw new AppError(404, "not_found", "There is no event at this address.");
  return renderOnce(c, event, () => <EventPageView event={event} baseUrl={c.get("config").site.baseUrl} />);
});

pageRoutes.get("/events/:event/sessions/:session", async (c) => {
  const page = await getSessionPage(c.env.SITE, c.req.param("event"), c.req.param("session"));
  if (!page) throw new AppError(404, "not_found", "There is no session at this address.");
  return renderOnce(c, page, () => <SessionPageView page={page} baseUrl={c.get("config").site.baseUrl} />);
});
