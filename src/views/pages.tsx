// The catalogue's pages: events; one event's sessions, grouped by day and room (in the event's time zone, with
// in-page anchors) when its schedule has times, else by whether notes are out; one session.
import { raw } from "hono/html";
import { CHANGE_LABELS, type Change } from "../domain/changes.ts";
import type { NoteLink, Session } from "../domain/event.ts";
import type { EventList, EventPage, SessionPage } from "../store/site.ts";
import { apiPaths, calendarPaths, feedPaths, pagePaths } from "../paths.ts";
import { CalendarLinks, type CalendarLink, type FeedLink, Layout, SubscribeLinks } from "./layout.tsx";
import { buildSlug } from "../domain/event.ts";
import { FollowBox, SubscribeForm } from "./subscriptions.tsx";
import {
  type FilterOptions,
  NOTES_FILTERS,
  type NotesFilter,
  type SessionQuery,
  buildDayOf,
  buildQueryString,
} from "../domain/find-sessions.ts";
import { MAX_SEARCH_CHARS } from "../domain/limits.ts";

const allFeed: FeedLink = { title: "All design sessions", path: feedPaths.all };
const eventFeed = (id: string, title: string): FeedLink => ({ title, path: (f) => feedPaths.event(id, f) });

const KIND_LABELS: Record<NoteLink["kind"], string> = {
  "mailing-list": "mailing list",
  hackmd: "HackMD",
  hedgedoc: "HedgeDoc",
  cryptpad: "CryptPad",
  etherpad: "Etherpad",
  wiki: "wiki",
  other: "link",
};

function NotesStatus({ session }: { session: Session }) {
  if (!session.notesPublished) return <span class="status none">No notes yet</span>;
  if (session.notes.length === 0) return <span class="status missing">Notes published, link missing</span>;
  return <span class="status published">Notes published</span>;
}

function NoteLinks({ notes }: { notes: NoteLink[] }) {
  if (notes.length === 0) return null;
  return (
    <ul class="links">
      {notes.map((n) => (
        <li>
          <span class="kind">{KIND_LABELS[n.kind]}</span>
          <a href={n.url} rel="nofollow noopener">
            {n.url}
          </a>
          {n.label ? <span class="count"> ({n.label})</span> : null}
        </li>
      ))}
    </ul>
  );
}

const URL_PATTERN = /(https?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]])/g;

/** Text with its http(s) URLs as links; everything else stays text (and so is escaped). */
function Linked({ text }: { text: string }) {
  return <>{text.split(URL_PATTERN).map((part, i) => (i % 2 === 1 ? <a href={part}>{part}</a> : part))}</>;
}

/** Descriptions are paragraphs separated by blank lines; a paragraph of "- " lines is a list. */
function Description({ text }: { text: string }) {
  const paragraphs = text.split(/\n{2,}/).filter((p) => p.trim() !== "");
  return (
    <div class="description">
      {paragraphs.map((p) => {
        const lines = p.split("\n");
        if (lines.every((l) => l.startsWith("- "))) {
          return (
            <ul>
              {lines.map((l) => (
                <li>
                  <Linked text={l.slice(2)} />
                </li>
              ))}
            </ul>
          );
        }
        return (
          <p>
            <Linked text={p} />
          </p>
        );
      })}
    </div>
  );
}

function LatestChanges({ changes, withSession }: { changes: Change[]; withSession: boolean }) {
  if (changes.length === 0) return <p class="count">No changes yet.</p>;
  return (
    <ul class="cards changes">
      {changes.map((c) => (
        <li>
          <span class="kind">{CHANGE_LABELS[c.type]}</span>
          <time datetime={c.at}>{c.at.slice(0, 16).replace("T", " ")} UTC</time>
          {withSession && c.session ? (
            <h3>
              <a href={pagePaths.session(c.event, c.session)}>{c.sessionTitle ?? c.session}</a>
            </h3>
          ) : null}
          <p class="count">{c.summary}</p>
          {c.excerpt ? <pre class="excerpt">{c.excerpt}</pre> : null}
          {c.url ? (
            <a class="url" href={c.url} rel="nofollow noopener">
              {c.url}
            </a>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

export function HomePage({ list }: { list: EventList }) {
  return (
    <Layout title="Events" feeds={[allFeed]}>
      <h1>Design-session catalogues</h1>
      <p class="lead">Every session, its notes, and when they change.</p>
      <SubscribeLinks feed={allFeed} label="Follow every event" />
      <h2 id="events">Events</h2>
      {list.events.length === 0 ? <p class="count">No event is published yet.</p> : null}
      <ul class="cards">
        {list.events.map((e) => (
          <li>
            <h3>
              <a href={pagePaths.event(e.id)}>{e.title}</a>
            </h3>
            <span class="count">
              {e.sessionCount} sessions · notes published for {e.notesPublishedCount}
            </span>
          </li>
        ))}
      </ul>
    </Layout>
  );
}

/** Withdrawn, or the notes status; and the room and track when the schedule gives them and no heading does. */
function SessionStatus({ session, place }: { session: Session; place: string | null }) {
  return (
    <>
      {session.withdrawn ? <span class="status none">Withdrawn</span> : <NotesStatus session={session} />}
      {place ? <span class="count"> · {place}</span> : null}
    </>
  );
}

function SessionCards({ eventId, sessions }: { eventId: string; sessions: Session[] }) {
  return (
    <ul class="cards">
      {sessions.map((s) => (
        <li>
          <h3>
            <a href={pagePaths.session(eventId, s.id)}>{s.title}</a>
          </h3>
          <SessionStatus session={s} place={[s.room, s.track].filter(Boolean).join(" · ") || null} />
          <FollowBox session={s} />
          <NoteLinks notes={s.notes} />
        </li>
      ))}
    </ul>
  );
}

function buildTimeFormats(timeZone: string) {
  return {
    dayLabel: new Intl.DateTimeFormat("en-GB", {
      timeZone,
      weekday: "long",
      day: "numeric",
      month: "long",
      year: "numeric",
    }),
    time: new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }),
  };
}

// A day key (YYYY-MM-DD, already in the event's zone) as a date: noon UTC is that calendar day in UTC.
const DAY_LABEL = buildTimeFormats("UTC").dayLabel;
const formatDay = (day: string) => DAY_LABEL.format(new Date(`${day}T12:00:00Z`));

/**
 * How an event's timed sessions are grouped within a day: by room when it has rooms, else by track when it has
 * tracks, else not at all; what a card says of its place is what its heading does not.
 */
type Grouping = { groupOf: (s: Session) => string; placeOf: (s: Session) => string | null } | null;

function buildGrouping(options: FilterOptions): Grouping {
  if (options.rooms.length > 0) return { groupOf: (s) => s.room ?? "Room not given", placeOf: (s) => s.track ?? null };
  if (options.tracks.length > 0) return { groupOf: (s) => s.track ?? "Track not given", placeOf: () => null };
  return null;
}

/** A day and the sessions of one room (or track, or the whole day), in the order they start. */
type Slot = { day: string; group: string | null; sessions: Session[] };

function buildSlots(sessions: Session[], dayOf: (start: string) => string, grouping: Grouping): Slot[] {
  const timed = sessions
    .filter((s) => s.start)
    .sort((a, b) => (a.start! < b.start! ? -1 : a.start! > b.start! ? 1 : 0));
  const slots = new Map<string, Slot>();
  for (const s of timed) {
    const day = dayOf(s.start!);
    const group = grouping ? grouping.groupOf(s) : null;
    const key = `${day}\u0000${group ?? ""}`;
    const slot = slots.get(key) ?? { day, group, sessions: [] };
    slot.sessions.push(s);
    slots.set(key, slot);
  }
  return [...slots.values()].sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
}

const dayAnchor = (day: string) => `day-${day}`;
const roomAnchor = (day: string, room: string) => `day-${day}-${buildSlug(room) || "room"}`;

function ScheduledCards({
  eventId,
  sessions,
  time,
  grouping,
}: {
  eventId: string;
  sessions: Session[];
  time: Intl.DateTimeFormat;
  grouping: Grouping;
}) {
  // Headings follow the outline: a day is h2, a room h3, so a session is h4, or h3 when rooms are not headings.
  const Heading = grouping ? "h4" : "h3";
  return (
    <ul class="cards">
      {sessions.map((s) => (
        <li>
          <time datetime={s.start}>
            {time.format(new Date(s.start!))}
            {s.end ? `–${time.format(new Date(s.end))}` : ""}
          </time>
          <Heading>
            <a href={pagePaths.session(eventId, s.id)}>{s.title}</a>
          </Heading>
          <SessionStatus session={s} place={grouping ? grouping.placeOf(s) : null} />
          <FollowBox session={s} />
          <NoteLinks notes={s.notes} />
        </li>
      ))}
    </ul>
  );
}

function Schedule({ event, sessions, options }: { event: EventPage; sessions: Session[]; options: FilterOptions }) {
  const timeZone = event.timeZone ?? "UTC";
  const formats = buildTimeFormats(timeZone);
  const grouping = buildGrouping(options);
  const slots = buildSlots(sessions, buildDayOf(timeZone), grouping);
  const days = [...new Set(slots.map((s) => s.day))];
  const unscheduled = sessions.filter((s) => !s.start);
  return (
    <>
      {days.length > 0 ? (
        <nav aria-label="Days and rooms">
          <details>
            <summary>Jump to a day{grouping ? " or room" : ""}</summary>
            <ul class="days">
              {days.map((day) => (
                <li>
                  <a href={`#${dayAnchor(day)}`}>{formatDay(day)}</a>
                  {grouping ? ": " : ""}
                  {slots
                    .filter((s) => s.day === day && s.group !== null)
                    .map((s, i) => (
                      <>
                        {i > 0 ? ", " : ""}
                        <a href={`#${roomAnchor(day, s.group!)}`}>{s.group}</a>
                      </>
                    ))}
                </li>
              ))}
            </ul>
          </details>
        </nav>
      ) : null}
      <p class="count">Times in {timeZone}.</p>
      {days.map((day) => (
        <section>
          <h2 id={dayAnchor(day)}>{formatDay(day)}</h2>
          {slots
            .filter((s) => s.day === day)
            .map((slot) =>
              slot.group === null ? (
                <ScheduledCards eventId={event.id} sessions={slot.sessions} time={formats.time} grouping={null} />
              ) : (
                <>
                  <h3 id={roomAnchor(day, slot.group)}>
                    {slot.group} <span class="count">({slot.sessions.length})</span>
                  </h3>
                  <ScheduledCards eventId={event.id} sessions={slot.sessions} time={formats.time} grouping={grouping} />
                </>
              ),
            )}
        </section>
      ))}
      {unscheduled.length ? (
        <>
          <h2 id="unscheduled">
            Not scheduled <span class="count">({unscheduled.length})</span>
          </h2>
          <SessionCards eventId={event.id} sessions={unscheduled} />
        </>
      ) : null}
    </>
  );
}

/** Sessions of an event without times: those whose notes are out, then the rest. */
function ByNotes({ event, sessions }: { event: EventPage; sessions: Session[] }) {
  const published = sessions.filter((s) => s.notesPublished);
  const pending = sessions.filter((s) => !s.notesPublished);
  return (
    <>
      {published.length > 0 ? (
        <>
          <h2 id="published">
            Notes published <span class="count">({published.length})</span>
          </h2>
          <SessionCards eventId={event.id} sessions={published} />
        </>
      ) : null}
      {pending.length > 0 ? (
        <>
          <h2 id="pending">
            No notes yet <span class="count">({pending.length})</span>
          </h2>
          <SessionCards eventId={event.id} sessions={pending} />
        </>
      ) : null}
    </>
  );
}

const NOTES_LABELS: Record<NotesFilter, string> = { published: "Notes published", missing: "No notes yet" };

// The options of the form's lists, rendered once per event's filter values: a room list of a large conference is
// most of what a search's page costs to render, and it is the same for every search but the one it selects.
const renderedOptions = new WeakMap<FilterOptions, Map<string, string[]>>();

function listOptionMarkup(key: FilterOptions, name: string, choices: [string, string][]): string[] {
  const byName = renderedOptions.get(key) ?? new Map<string, string[]>();
  renderedOptions.set(key, byName);
  let markup = byName.get(name);
  if (!markup) {
    markup = choices.map(([value, label]) => String(<option value={value}>{label}</option>));
    byName.set(name, markup);
  }
  return markup;
}

function Choice(props: {
  options: FilterOptions;
  name: string;
  label: string;
  any: string;
  choices: [value: string, label: string][];
  selected: string | undefined;
}) {
  const id = `find-${props.name}`;
  const markup = listOptionMarkup(props.options, props.name, props.choices);
  const at = props.choices.findIndex(([value]) => value === props.selected);
  const chosen = props.choices[at];
  const parts = chosen
    ? [
        ...markup.slice(0, at),
        String(
          <option value={chosen[0]} selected>
            {chosen[1]}
          </option>,
        ),
        ...markup.slice(at + 1),
      ]
    : markup;
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <select id={id} name={props.name}>
        <option value="">{props.any}</option>
        {raw(parts.join(""))}
      </select>
    </div>
  );
}

/** A plain GET form: it works without JavaScript, and every filtered view has its own address. */
function FindForm({ eventId, options, query }: { eventId: string; options: FilterOptions; query: SessionQuery }) {
  const filters: {
    name: "notes" | "day" | "room" | "track";
    label: string;
    any: string;
    choices: [string, string][];
  }[] = [
    { name: "notes", label: "Notes", any: "Any", choices: NOTES_FILTERS.map((n) => [n, NOTES_LABELS[n]]) },
    { name: "day", label: "Day", any: "Any day", choices: options.days.map((d) => [d, formatDay(d)]) },
    { name: "room", label: "Room", any: "Any room", choices: options.rooms.map((r) => [r, r]) },
    { name: "track", label: "Track", any: "Any track", choices: options.tracks.map((t) => [t, t]) },
  ];
  // A filter with one value would find every session: only those with a choice to make are offered (notes always).
  const offered = filters.filter((f) => f.name === "notes" || f.choices.length > 1);
  const names = offered.map((f) => f.name);
  const choices = offered.map((f) => <Choice options={options} selected={query[f.name]} {...f} />);
  const filtering = Boolean(query.notes ?? query.day ?? query.room ?? query.track);
  // The filters fold away so that the sessions start on a phone's first screen; open while one applies.
  return (
    <form class="find" method="get" action={pagePaths.event(eventId)} role="search" aria-label="Find a session">
      <label for="find-q">Search titles, descriptions and hosts</label>
      <div class="row">
        <input id="find-q" type="search" name="q" value={query.q ?? ""} maxlength={MAX_SEARCH_CHARS} />
        <button type="submit">Find</button>
      </div>
      <details open={filtering}>
        <summary>Filter by {names.join(", ").replace(/, (\w+)$/, " or $1")}</summary>
        <div class="row">{choices}</div>
      </details>
    </form>
  );
}

/** What an event page shows: all its sessions, or those a query found. */
export type EventPageFind = { options: FilterOptions; query: SessionQuery; sessions: Session[] };

/** `baseUrl`: where the site lives, for the calendar's webcal: link. */
export function EventPageView({ event, find, baseUrl }: { event: EventPage; find: EventPageFind; baseUrl: string }) {
  const published = event.sessions.filter((s) => s.notesPublished);
  const filtered = buildQueryString(find.query) !== "";
  const all = pagePaths.event(event.id);
  // Only a schedule with times has anything to put in a calendar.
  const calendar: CalendarLink | null = event.sessions.some((s) => s.start)
    ? { title: event.title, path: calendarPaths.event(event.id) }
    : null;
  return (
    <Layout
      title={event.title}
      feeds={[eventFeed(event.id, event.title), allFeed]}
      calendars={calendar ? [calendar] : []}
    >
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href={pagePaths.home()}>Events</a>
      </nav>
      <h1>{event.title}</h1>
      <p class="lead">
        {event.sessions.length} sessions: notes published for {published.length},{" "}
        {event.sessions.length - published.length} without notes yet.
      </p>
      <SubscribeLinks feed={eventFeed(event.id, event.title)} label="Follow this event" />
      {calendar ? <CalendarLinks calendar={calendar} baseUrl={baseUrl} label="Add its schedule to a calendar" /> : null}
      <FindForm eventId={event.id} options={find.options} query={find.query} />
      {filtered ? (
        find.sessions.length > 0 ? (
          <p class="found">
            {find.sessions.length} of {event.sessions.length} sessions match. <a href={all}>Show all sessions</a>
          </p>
        ) : (
          <p class="found">
            No session matches these filters. <a href={all}>Clear the filters</a> to see all {event.sessions.length}{" "}
            sessions.
          </p>
        )
      ) : null}
      {event.sessions.some((s) => s.start) ? (
        find.sessions.length > 0 ? (
          <Schedule event={event} sessions={find.sessions} options={find.options} />
        ) : null
      ) : (
        <ByNotes event={event} sessions={find.sessions} />
      )}
      <h2 id="latest-changes">Latest changes</h2>
      <LatestChanges changes={event.latestChanges} withSession={true} />
      {event.changeCount > event.latestChanges.length ? (
        <p>
          <a href={apiPaths.changes(event.id)}>All {event.changeCount} changes (JSON)</a>
        </p>
      ) : null}
      <SubscribeForm event={event.id} choose={true} />
    </Layout>
  );
}

/** When and where a scheduled session is, in its event's time zone. */
function When({ page }: { page: SessionPage }) {
  const place = [page.room, page.track].filter(Boolean).join(" · ");
  if (!page.start) return place ? <p class="count">{place}</p> : null;
  const formats = buildTimeFormats(page.event.timeZone ?? "UTC");
  const start = new Date(page.start);
  return (
    <p>
      <time datetime={page.start}>
        {formats.dayLabel.format(start)}, {formats.time.format(start)}
        {page.end ? `–${formats.time.format(new Date(page.end))}` : ""}
      </time>{" "}
      <span class="count">
        ({page.event.timeZone ?? "UTC"}){place ? ` · ${place}` : ""}
      </span>
    </p>
  );
}

/** `baseUrl`: where the site lives, for the calendar's webcal: link. */
export function SessionPageView({ page, baseUrl }: { page: SessionPage; baseUrl: string }) {
  const sessionFeed: FeedLink = { title: page.title, path: (f) => feedPaths.session(page.event.id, page.id, f) };
  const calendar: CalendarLink | null = page.start
    ? { title: page.title, path: calendarPaths.session(page.event.id, page.id) }
    : null;
  return (
    <Layout
      title={page.title}
      feeds={[sessionFeed, eventFeed(page.event.id, page.event.title)]}
      calendars={calendar ? [calendar] : []}
    >
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href={pagePaths.home()}>Events</a> › <a href={pagePaths.event(page.event.id)}>{page.event.title}</a>
      </nav>
      <h1>{page.title}</h1>
      <NotesStatus session={page} />
      <SubscribeLinks feed={sessionFeed} label="Follow this session" />
      {calendar ? <CalendarLinks calendar={calendar} baseUrl={baseUrl} label="Add it to a calendar" /> : null}
      {page.withdrawn ? <p class="status none">Withdrawn from the schedule</p> : null}
      <When page={page} />
      {page.hosts.length > 0 ? <p class="count">Hosted by {page.hosts.join(", ")}</p> : null}
      <h2>Notes</h2>
      {page.notes.length > 0 ? <NoteLinks notes={page.notes} /> : <p class="count">No link to notes yet.</p>}
      <h2>Latest changes</h2>
      <LatestChanges changes={page.latestChanges} withSession={false} />
      <h2>About this session</h2>
      {page.description ? <Description text={page.description} /> : <p class="count">No description.</p>}
      {page.url || page.links?.length ? (
        <>
          <h2>Links</h2>
          <ul class="links">
            {page.url ? (
              <li>
                <a href={page.url}>Its page at the source</a>
              </li>
            ) : null}
            {(page.links ?? []).map((l) => (
              <li>
                <a href={l.url} rel="nofollow noopener">
                  {l.title ?? l.url}
                </a>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <SubscribeForm event={page.event.id} session={page.id} />
    </Layout>
  );
}

export function ErrorPage({ status, message }: { status: number; message: string }) {
  return (
    <Layout title={`${status}`}>
      <h1>{status === 404 ? "Not found" : `Error ${status}`}</h1>
      <p class="lead">{message}</p>
      <p>
        <a href={pagePaths.home()}>Back to the events</a>
      </p>
    </Layout>
  );
}
