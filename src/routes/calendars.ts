// Calendars (iCalendar), served as rendered at publish time, exactly as feeds are: one KV read, ETag and 304.
import { Hono } from "hono";
import { CALENDAR_MEDIA_TYPE } from "../calendar/render.ts";
import { AppError } from "../errors.ts";
import type { AppContext, AppEnv } from "../http/env.ts";
import { isSlug, serveRendered } from "../http/serve-rendered.ts";
import { calendarPaths } from "../paths.ts";
import { getCalendar } from "../store/site.ts";

export const calendarRoutes = new Hono<AppEnv>();

async function serveCalendar(c: AppContext, path: string | null) {
  const calendar = path === null ? null : await getCalendar(c.env.SITE, path);
  if (!calendar) throw new AppError(404, "not_found", "No calendar at this address.");
  return serveRendered(c, calendar, CALENDAR_MEDIA_TYPE);
}

calendarRoutes.get(calendarPaths.event(":event"), (c) => {
  const event = c.req.param("event") ?? "";
  return serveCalendar(c, isSlug(event) ? calendarPaths.event(event) : null);
});

calendarRoutes.get(calendarPaths.session(":event", ":session"), (c) => {
  const [event, session] = [c.req.param("event") ?? "", c.req.param("session") ?? ""];
  return serveCalendar(c, isSlug(event, session) ? calendarPaths.session(event, session) : null);
});
