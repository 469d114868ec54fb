// The catalogue's pages: events; one event's sessions, grouped by day and room (in the event's time zone, with
// in-page anchors) when its schedule has times, else by whether notes are out; one session.
import { CHANGE_LABELS, type Change } from "../domain/changes.ts";
import type { NoteLink, Session } from "../domain/event.ts";
import type { EventList, EventPage, SessionPage } from "../store/site.ts";
import { apiPaths, calendarPaths, feedPaths, pagePaths } from "../paths.ts";
import { CalendarLinks, type CalendarLink, type FeedLink, Layout, SubscribeLinks } from "./layout.tsx";
import { buildSlug } from "../domain/event.ts";
import { SubscribeForm } from "./subscriptions.tsx";

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

function SessionCards({ eventId, sessions }: { eventId: string; sessions: Session[] }) {
  return (
    <ul class="cards">
      {sessions.map((s) => (
        <li>
          <h3>
            <a href={pagePaths.session(eventId, s.id)}>{s.title}</a>
          </h3>
          <NotesStatus session={s} />
          <NoteLinks notes={s.notes} />
        </li>
      ))}
    </ul>
  );
}

/** A day, a time and the sessions of one room, in the event's time zone. */
type Slot = { day: string; dayLabel: string; room: string; sessions: Session[] };

function buildTimeFormats(timeZone: string) {
  return {
    day: new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }),
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

/** Scheduled sessions by day, then by room (or track) in the order they first appear. */
function buildSlots(sessions: Session[], formats: ReturnType<typeof buildTimeFormats>): Slot[] {
  const slots = new Map<string, Slot>();
  for (const s of sessions) {
    if (!s.start) continue;
    const at = new Date(s.start);
    const day = formats.day.format(at);
    const room = s.room ?? s.track ?? "Elsewhere";
    const key = `${day}\u0000${room}`;
    const slot = slots.get(key) ?? { day, dayLabel: formats.dayLabel.format(at), room, sessions: [] };
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
}: {
  eventId: string;
  sessions: Session[];
  time: Intl.DateTimeFormat;
}) {
  return (
    <ul class="cards">
      {sessions.map((s) => (
        <li>
          <time datetime={s.start}>
            {time.format(new Date(s.start!))}
            {s.end ? `–${time.format(new Date(s.end))}` : ""}
          </time>
          <h4>
            <a href={pagePaths.session(eventId, s.id)}>{s.title}</a>
          </h4>
          {s.withdrawn ? <span class="status none">Withdrawn</span> : <NotesStatus session={s} />}
          {s.track && s.room ? <span class="count"> · {s.track}</span> : null}
          <NoteLinks notes={s.notes} />
        </li>
      ))}
    </ul>
  );
}

function Schedule({ event }: { event: EventPage }) {
  const timeZone = event.timeZone ?? "UTC";
  const formats = buildTimeFormats(timeZone);
  const slots = buildSlots(event.sessions, formats);
  const days = [...new Map(slots.map((s) => [s.day, s.dayLabel])).entries()];
  const unscheduled = event.sessions.filter((s) => !s.start);
  return (
    <>
      <nav aria-label="Days and rooms">
        <ul class="days">
          {days.map(([day, label]) => (
            <li>
              <a href={`#${dayAnchor(day)}`}>{label}</a>:{" "}
              {slots
                .filter((s) => s.day === day)
                .map((s, i) => (
                  <>
                    {i > 0 ? ", " : ""}
                    <a href={`#${roomAnchor(day, s.room)}`}>{s.room}</a>
                  </>
                ))}
            </li>
          ))}
        </ul>
      </nav>
      <p class="count">Times in {timeZone}.</p>
      {days.map(([day, label]) => (
        <section>
          <h2 id={dayAnchor(day)}>{label}</h2>
          {slots
            .filter((s) => s.day === day)
            .map((slot) => (
              <>
                <h3 id={roomAnchor(day, slot.room)}>
                  {slot.room} <span class="count">({slot.sessions.length})</span>
                </h3>
                <ScheduledCards eventId={event.id} sessions={slot.sessions} time={formats.time} />
              </>
            ))}
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

/** `baseUrl`: where the site lives, for the calendar's webcal: link. */
export function EventPageView({ event, baseUrl }: { event: EventPage; baseUrl: string }) {
  const published = event.sessions.filter((s) => s.notesPublished);
  const pending = event.sessions.filter((s) => !s.notesPublished);
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
      <nav class="crumbs">
        <a href={pagePaths.home()}>Events</a>
      </nav>
      <h1>{event.title}</h1>
      <p class="lead">
        {event.sessions.length} sessions: notes published for {published.length}, {pending.length} without notes yet.
      </p>
      <SubscribeLinks feed={eventFeed(event.id, event.title)} label="Follow this event" />
      {calendar ? <CalendarLinks calendar={calendar} baseUrl={baseUrl} label="Add its schedule to a calendar" /> : null}
      <SubscribeForm event={event.id} sessions={event.sessions} />
      <h2 id="latest-changes">Latest changes</h2>
      <LatestChanges changes={event.latestChanges} withSession={true} />
      {event.changeCount > event.latestChanges.length ? (
        <p>
          <a href={apiPaths.changes(event.id)}>All {event.changeCount} changes (JSON)</a>
        </p>
      ) : null}
      {event.sessions.some((s) => s.start) ? (
        <Schedule event={event} />
      ) : (
        <>
          <h2 id="published">
            Notes published <span class="count">({published.length})</span>
          </h2>
          <SessionCards eventId={event.id} sessions={published} />
          <h2 id="pending">
            No notes yet <span class="count">({pending.length})</span>
          </h2>
          <SessionCards eventId={event.id} sessions={pending} />
        </>
      )}
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
      <nav class="crumbs">
        <a href={pagePaths.home()}>Events</a> › <a href={pagePaths.event(page.event.id)}>{page.event.title}</a>
      </nav>
      <h1>{page.title}</h1>
      <NotesStatus session={page} />
      <SubscribeLinks feed={sessionFeed} label="Follow this session" />
      {calendar ? <CalendarLinks calendar={calendar} baseUrl={baseUrl} label="Add it to a calendar" /> : null}
      <SubscribeForm event={page.event.id} session={page.id} />
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
