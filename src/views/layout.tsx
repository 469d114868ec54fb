// The page frame every HTML route shares; hono/jsx escapes every interpolated value.
import { raw } from "hono/html";
import type { Child } from "hono/jsx";
import { FEED_FORMATS, type FeedFormat } from "../feeds/model.ts";
import { apiPaths, buildWebcalUrl, pagePaths } from "../paths.ts";
import { STYLESHEET } from "./style.ts";

/** A feed a page offers: its title and its path per format. */
export type FeedLink = { title: string; path: (format: FeedFormat) => string };

const FEED_TYPES: Record<FeedFormat, [type: string, label: string]> = {
  rss: ["application/rss+xml", "RSS"],
  atom: ["application/atom+xml", "Atom"],
  json: ["application/feed+json", "JSON Feed"],
};

/** Visible subscribe links, beside the <link rel="alternate"> that feed readers discover. */
export function SubscribeLinks({ feed, label }: { feed: FeedLink; label: string }) {
  return (
    <p class="subscribe">
      {label}:{" "}
      {FEED_FORMATS.map((f, i) => (
        <>
          {i > 0 ? " · " : ""}
          <a href={feed.path(f)} type={FEED_TYPES[f][0]}>
            {FEED_TYPES[f][1]}
          </a>
        </>
      ))}
    </p>
  );
}

// The doctype puts browsers in standards mode; hono/jsx has no element for it, so it goes in as markup.
const DOCTYPE = raw("<!DOCTYPE html>");

/** A calendar a page offers (an iCalendar file): its title and path. */
export type CalendarLink = { title: string; path: string };

/** "Subscribe" opens the calendar app (webcal:, so it needs the site's address); the .ics link downloads it. */
export function CalendarLinks({
  calendar,
  baseUrl,
  label,
}: {
  calendar: CalendarLink;
  baseUrl: string;
  label: string;
}) {
  return (
    <p class="subscribe">
      {label}: <a href={buildWebcalUrl(baseUrl, calendar.path)}>subscribe</a> ·{" "}
      <a href={calendar.path} type="text/calendar">
        .ics file
      </a>
    </p>
  );
}

export function Layout(props: { title: string; feeds?: FeedLink[]; calendars?: CalendarLink[]; children: Child }) {
  return (
    <>
      {DOCTYPE}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>{`${props.title} · sessionwire`}</title>
          {(props.feeds ?? []).flatMap((feed) =>
            FEED_FORMATS.map((f) => (
              <link
                rel="alternate"
                type={FEED_TYPES[f][0]}
                title={`${feed.title} (${FEED_TYPES[f][1]})`}
                href={feed.path(f)}
              />
            )),
          )}
          {(props.calendars ?? []).map((calendar) => (
            <link rel="alternate" type="text/calendar" title={`${calendar.title} (calendar)`} href={calendar.path} />
          ))}
          <style>{raw(STYLESHEET)}</style>
        </head>
        <body>
          <header class="site">
            <div>
              <a class="brand" href={pagePaths.home()}>
                sessionwire
              </a>
              <span class="count">design-session notes, as they appear</span>
            </div>
          </header>
          <main>{props.children}</main>
          <footer>
            Also as JSON: <a href={apiPaths.events()}>{apiPaths.events()}</a> · <a href={apiPaths.openApi()}>OpenAPI</a>
          </footer>
        </body>
      </html>
    </>
  );
}
