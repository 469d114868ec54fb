// Builds the feed model for each scope (everything, one event, one session) from the change log. Pure: the
// base URL, hub and times come in as data, so the same D1 state always gives the same feeds (and ETags).
import { CHANGE_LABELS, type Change } from "../domain/changes.ts";
import type { Event } from "../domain/event.ts";
import { MAX_CATEGORY_CHARS } from "../domain/limits.ts";
import { fitLine } from "../domain/text.ts";
import { buildPublicUrl, feedPaths, pagePaths } from "../paths.ts";
import { buildFeedTag } from "./ids.ts";
import { type Feed, type FeedFormat, type FeedItem, MAX_FEED_ITEMS } from "./model.ts";

export type SiteConfig = { baseUrl: string; hubUrl: string | null };

const absolute = (site: SiteConfig, path: string) => buildPublicUrl(site.baseUrl, path);

function buildItem(site: SiteConfig, change: Change, eventTitle: string): FeedItem {
  // Cut here already (the renderers bound every field again): the model stays small whatever the rows hold.
  const event = fitLine(eventTitle, MAX_CATEGORY_CHARS);
  const session = change.sessionTitle === null ? null : fitLine(change.sessionTitle, MAX_CATEGORY_CHARS);
  return {
    id: change.id,
    title: `${CHANGE_LABELS[change.type]}: ${session ?? event}`,
    url: absolute(site, pagePaths.scope(change.event, change.session)),
    published: change.at,
    updated: change.at,
    summary: change.summary,
    excerpt: change.excerpt,
    notesUrl: change.url,
    categories: session ? [event, session] : [event],
  };
}

type Scope = { title: string; description: string; homePath: string; selfPath: (f: FeedFormat) => string };

/**
 * One feed: `changes` newest first (only the newest MAX_FEED_ITEMS are kept, so a feed's size is bounded
 * however long the log grows); `eventTitles` names each change's event; `since` dates a feed with no items.
 */
function buildFeed(
  site: SiteConfig,
  scope: Scope,
  changes: Change[],
  eventTitles: Map<string, string>,
  since: string,
): Feed {
  const items = changes.slice(0, MAX_FEED_ITEMS).map((c) => buildItem(site, c, eventTitles.get(c.event) ?? c.event));
  const homeUrl = absolute(site, scope.homePath);
  return {
    id: buildFeedTag(scope.homePath),
    title: scope.title,
    description: scope.description,
    homeUrl,
    selfUrls: {
      rss: absolute(site, scope.selfPath("rss")),
      atom: absolute(site, scope.selfPath("atom")),
      json: absolute(site, scope.selfPath("json")),
    },
    hubUrl: site.hubUrl,
    updated: items[0]?.updated ?? since,
    items,
  };
}

export function buildAllFeed(site: SiteConfig, changes: Change[], eventTitles: Map<string, string>, since: string) {
  const scope: Scope = {
    title: "sessionwire: all design sessions",
    description: "Notes changes of every design session of every event",
    homePath: pagePaths.home(),
    selfPath: feedPaths.all,
  };
  return buildFeed(site, scope, changes, eventTitles, since);
}

/** The event's feed and one per session, from the event's changes (newest first). */
export function buildEventFeeds(site: SiteConfig, event: Event, changes: Change[], since: string): Feed[] {
  const titles = new Map([[event.id, event.title]]);
  const eventScope: Scope = {
    title: event.title,
    description: `Notes changes of every session of ${event.title}`,
    homePath: pagePaths.event(event.id),
    selfPath: (f) => feedPaths.event(event.id, f),
  };
  return [
    buildFeed(site, eventScope, changes, titles, since),
    ...event.sessions.map((s) => {
      const scope: Scope = {
        title: `${s.title} · ${event.title}`,
        description: `Notes changes of the design session "${s.title}"`,
        homePath: pagePaths.session(event.id, s.id),
        selfPath: (f) => feedPaths.session(event.id, s.id, f),
      };
      return buildFeed(
        site,
        scope,
        changes.filter((c) => c.session === s.id),
        titles,
        since,
      );
    }),
  ];
}
