// An AppError as a page: the form's problems field by field when it has issues, the status and message otherwise.
import type { Context } from "hono";
import type { AppError } from "../errors.ts";
import { ErrorPage } from "../views/pages.tsx";
import { ProblemsPage } from "../views/subscriptions.tsx";

export function renderErrorPage(c: Context, err: AppError) {
  const page = err.issues ? (
    <ProblemsPage message={err.message} issues={err.issues} />
  ) : (
    <ErrorPage status={err.status} message={err.message} />
  );
  return c.html(page, err.status, err.headers);
}
