// HTML pages, rendered from the KV read model; D1 is never read here.
import { Hono } from "hono";
import { AppError } from "../errors.ts";
import type { AppEnv } from "../http/env.ts";
import { getEventList, getEventPage, getSessionPage } from "../store/site.ts";
import { EventPageView, HomePage, SessionPageView } from "../views/pages.tsx";

export const pageRoutes = new Hono<AppEnv>();

pageRoutes.get("/", async (c) => {
  const list = (await getEventList(c.env.SITE)) ?? { events: [] };
  return c.html(<HomePage list={list} />);
});

pageRoutes.get("/events/:event", async (c) => {
  const event = await getEventPage(c.env.SITE, c.req.param("event"));
  if (!event) throw new AppError(404, "not_found", "There is no event at this address.");
  return c.html(<EventPageView event={event} />);
});

pageRoutes.get("/events/:event/sessions/:session", async (c) => {
  const page = await getSessionPage(c.env.SITE, c.req.param("event"), c.req.param("session"));
  if (!page) throw new AppError(404, "not_found", "There is no session at this address.");
  return c.html(<SessionPageView page={page} />);
});
