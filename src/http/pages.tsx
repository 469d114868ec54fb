import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ErrorPage } from "../views/pages.tsx";

export function renderErrorPage(c: Context, status: ContentfulStatusCode, message: string) {
  return c.html(<ErrorPage status={status} message={message} />, status);
}
