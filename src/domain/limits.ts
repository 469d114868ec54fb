// Every size limit of sessionwire, in one place. Inputs past a limit are refused where they enter (400 with the
// error envelope; 413 for a request body over its cap); what feeds and mails show is cut to the same limits when
// rendered, so rows stored before a limit existed render small too, and a stored feed's size is bounded by its
// item count whatever D1 holds. "Chars" are UTF-16 code units (a JavaScript string's length, what zod's max
// counts); "bytes" are UTF-8 bytes.

// The catalogue.

/** An event or session id (a slug): it is part of every page, feed and API URL. */
export const MAX_SLUG_CHARS = 200;
/** An event's title: it heads its pages, feeds and mails. */
export const MAX_EVENT_TITLE_CHARS = 300;
/** A session's title: copied into every change row, feed item and mail about the session. */
export const MAX_SESSION_TITLE_CHARS = 300;
/** A session's description: the longest of the 2019 page has 1,984; published whole in the event's page. */
export const MAX_DESCRIPTION_CHARS = 10_000;
/** One host's name (with an affiliation). */
export const MAX_HOST_CHARS = 200;
/** Hosts per session. */
export const MAX_HOSTS = 20;
/** What a page says beside a notes link ("these need work"). */
export const MAX_LABEL_CHARS = 200;
/** A notes URL: the de-facto limit browsers, crawlers and sitemaps share; longer URLs are not notes links. */
export const MAX_URL_CHARS = 2048;
/** Notes links per session (the 2019 page has at most 3). */
export const MAX_NOTE_LINKS = 50;
/** Sessions per event: a large conference's schedule (FOSDEM, CCC congresses) has about 1,000; the 2019 page 21. */
export const MAX_SESSIONS = 2000;
/** A room, track, time zone or the source's own id of a session, as schedules give them. */
export const MAX_PLACE_CHARS = 200;
/** Related links of one session (slides, recordings, project pages): not notes, kept apart. */
export const MAX_RELATED_LINKS = 20;

// Texts.

/** Notes text, in UTF-8 bytes: a pad larger than this is not notes (and a D1 row stops at 2 MB). */
export const MAX_TEXT_BYTES = 1024 * 1024;
/** An imported schedule, in UTF-8 bytes: held in one receipt row, like notes text. */
export const MAX_IMPORT_TEXT_BYTES = 1024 * 1024;
/**
 * MediaWiki source, in UTF-8 bytes. The wikitext parser takes up to about 14 s of CPU per MiB of dense markup
 * (links, templates and headings on every line), so a page anyone can edit is parsed only up to a size that
 * keeps it near 3 s; design-session pages are tens of KiB (the 2019 one is 13 KiB).
 */
export const MAX_WIKITEXT_BYTES = 256 * 1024;

// Change rows (cut to these when written and when read, so old rows come out small too).

/** A change's summary ("3 lines added, 1 removed", "Edited: title, hosts"): generated, always far shorter. */
export const MAX_SUMMARY_CHARS = 300;
/** A change's excerpt of new notes lines: buildExcerpt makes at most 400 (plus "\n…"). */
export const MAX_EXCERPT_CHARS = 500;
/** A change id: generated ("chg_" and 24 hex digits); the bound lets the feed budget count it. */
export const MAX_CHANGE_ID_CHARS = 100;

// Request bodies.

/** Webhook deliveries: a notes event with its text (a larger pad is sent without text and fetched). */
export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;
/** JSON grows a character to at most 3 bytes (UTF-8, or a two-character escape such as \n or \"). */
const JSON_BYTES_PER_CHAR = 3;
/** Room for a request's keys, quotes and punctuation around its values. */
const JSON_ENVELOPE_BYTES = 4096;
/** Admin edits (a notes link, a session): a session with every field at its limit fits. */
export const MAX_ADMIN_EDIT_BODY_BYTES =
  JSON_BYTES_PER_CHAR *
    (MAX_SESSION_TITLE_CHARS +
      MAX_DESCRIPTION_CHARS +
      MAX_HOSTS * MAX_HOST_CHARS +
      MAX_NOTE_LINKS * (MAX_URL_CHARS + MAX_LABEL_CHARS)) +
  JSON_ENVELOPE_BYTES;
/** An import: the page's text at its limit, every byte of it escaped (\n, \"), and a title. */
export const MAX_ADMIN_IMPORT_BODY_BYTES =
  2 * MAX_IMPORT_TEXT_BYTES + JSON_BYTES_PER_CHAR * MAX_EVENT_TITLE_CHARS + JSON_ENVELOPE_BYTES;
/** Sessions one subscribe request may name (ticked together on an event page; one confirmation covers them). */
export const MAX_SESSIONS_PER_SUBSCRIBE = 50;
/**
 * Subscribe, confirm, unsubscribe and manage forms: an address (254), slugs, a mode, a token, and each session
 * of a request with room for its multipart part's own headers.
 */
export const MAX_SUBSCRIPTION_BODY_BYTES = 8 * 1024 + MAX_SESSIONS_PER_SUBSCRIBE * (MAX_SLUG_CHARS + 128);

// What is rendered.

/** Items per feed: the newest changes only, so a feed's size does not grow with the log. */
export const MAX_FEED_ITEMS = 50;
/** A title naming a session and its event ("Xen Toolstacks · Xen Design Sessions 2019"): feed titles, mail scopes. */
export const MAX_SCOPE_TITLE_CHARS = MAX_SESSION_TITLE_CHARS + 3 + MAX_EVENT_TITLE_CHARS;
/** A feed item's or mail's title: a change label (the longest, "Notes link removed: ", has 20) and a title. */
export const MAX_ITEM_TITLE_CHARS = 20 + Math.max(MAX_SESSION_TITLE_CHARS, MAX_EVENT_TITLE_CHARS);
/** Categories per feed item: the event and the session. */
export const MAX_CATEGORIES = 2;
/** A category: an event or a session title. */
export const MAX_CATEGORY_CHARS = Math.max(MAX_SESSION_TITLE_CHARS, MAX_EVENT_TITLE_CHARS);
/** A URL shown as text (a link's text, a URL too long to link): shortened to this with "…". */
export const MAX_LINK_TEXT_CHARS = 100;
/**
 * A calendar entry's description (notes links, hosts, the session's description): an event's calendar holds one
 * per scheduled session, so it stays far under KV's limit at MAX_SESSIONS (the full text is on the session's page,
 * the entry's URL). The longest description of the 2019 page has 1,984 characters.
 */
export const MAX_CALENDAR_DESCRIPTION_CHARS = 2_000;
/** A mail subject: the 998 characters a header line allows (RFC 5322). */
export const MAX_SUBJECT_LENGTH = 998;
/** A search of an event's sessions (a page's `?q=`): longer text is cut, so a query stays a small cache key. */
export const MAX_SEARCH_CHARS = 100;
/** Changes listed in one digest mail: the newest; the rest are one link ("and 12 more changes"). */
export const MAX_DIGEST_CHANGES = 20;

// The size of a stored feed, computed from the limits above (test/unit/feed-bounds.test.ts holds every format to it).

/** PUBLIC_BASE_URL and WEBSUB_HUB are configuration, not input; the bound assumes they fit in this. */
export const MAX_SITE_URL_CHARS = 200;
/** A page or feed URL: the site URL, "/events/{event}/sessions/{session}/feed.atom". */
const MAX_PAGE_URL_CHARS = MAX_SITE_URL_CHARS + "/events//sessions//feed.atom".length + 2 * MAX_SLUG_CHARS;
/**
 * Bytes one character can become: `"` is `&quot;` in HTML, `&amp;quot;` once that HTML is XML text (RSS
 * description, Atom content); a 3-byte UTF-8 character is not escaped.
 */
export const MAX_BYTES_PER_CHAR = 10;
/** Times a format renders one field of an item, at most: JSON Feed has the summary in summary, content_text and
 * content_html; the notes URL is an href and a text (twice in RSS: description and content:encoded). */
const MAX_FIELD_COPIES = 3;
/** Characters of one item's fields, each at its limit. */
const MAX_ITEM_CHARS =
  MAX_ITEM_TITLE_CHARS +
  MAX_CATEGORIES * MAX_CATEGORY_CHARS +
  MAX_SUMMARY_CHARS +
  MAX_EXCERPT_CHARS +
  MAX_URL_CHARS +
  MAX_LINK_TEXT_CHARS +
  MAX_PAGE_URL_CHARS +
  MAX_CHANGE_ID_CHARS;
/** An item's own markup (element names, dates, the fixed HTML around its text), escaped. */
export const MAX_ITEM_MARKUP_BYTES = 1024;
/** The most one feed item can add to a stored feed, in any format. */
export const MAX_FEED_ITEM_BYTES = MAX_FIELD_COPIES * MAX_BYTES_PER_CHAR * MAX_ITEM_CHARS + MAX_ITEM_MARKUP_BYTES;
/** A feed's head: title and description, and at most 4 URLs (id/home, self, alternate, hub), with its markup. */
export const MAX_FEED_HEAD_BYTES = MAX_BYTES_PER_CHAR * (2 * MAX_SCOPE_TITLE_CHARS + 4 * MAX_PAGE_URL_CHARS) + 1024;
/** A stored feed, whatever the change rows hold: 6,983,404 bytes, under KV's 25 MiB per value (the test's
 * hostile feeds come to 2.9 MB in RSS, 2.3 MB in Atom, 1 MB in JSON Feed). */
export const MAX_FEED_BYTES = MAX_FEED_HEAD_BYTES + MAX_FEED_ITEMS * MAX_FEED_ITEM_BYTES;

/**
 * Any one value publishing stores (a page, a feed, a change-log page), under KV's 25 MiB. Feeds stay far below
 * (MAX_FEED_BYTES); an event page carries all its sessions, so an event whose sessions all sit at every limit
 * could pass it: that one value is recorded as a failure and keeps its last good version, the rest publish.
 */
export const MAX_STORED_VALUE_BYTES = 20 * 1024 * 1024;
