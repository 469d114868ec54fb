// The page frame every HTML route shares; hono/jsx escapes every interpolated value.
import { raw } from "hono/html";
import type { Child } from "hono/jsx";
import { STYLESHEET } from "./style.ts";

export function Layout(props: { title: string; children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · sessionwire`}</title>
        <style>{raw(STYLESHEET)}</style>
      </head>
      <body>
        <header class="site">
          <div>
            <a class="brand" href="/">
              sessionwire
            </a>
            <span class="count">design-session notes, as they appear</span>
          </div>
        </header>
        <main>{props.children}</main>
        <footer>
          Also as JSON: <a href="/api/events">/api/events</a> · <a href="/api/openapi.json">OpenAPI</a>
        </footer>
      </body>
    </html>
  );
}
