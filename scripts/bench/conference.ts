// A conference-sized schedule for the bench: the real schedules in ../shared/samples (never copied into the
// repository), each read by its own importer, joined into one event of more than 1,000 sessions. Null when the
// samples are absent.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Event } from "../../src/domain/event.ts";
import { MAX_SESSIONS } from "../../src/domain/limits.ts";
import { importSchedule } from "../../src/import/index.ts";

const SAMPLES = join(import.meta.dirname, "../../../shared/samples");
const FILES = [
  "frab-xml/fosdem-2010.2010-02-01.xml",
  "ics/linux-conf-au-2020.ics",
  "ics/jres-2022.ics",
  "frab-xml/debconf23.wafer.xml",
  "frab-json/cccamp-2019.json",
  "frab-json/rc3-channels-2020.pretalx.json",
  "frab-json/pretalx-democon.json",
  "frab-xml/lswt-2019.nonconforming.xml",
  "ics/kieler-linux-tage-2020.ics",
];

export function buildConference(eventId: string): Event | null {
  if (!existsSync(SAMPLES)) return null;
  const parts = FILES.map((file, i) => ({
    prefix: `s${i + 1}`,
    event: importSchedule(readFileSync(join(SAMPLES, file), "utf8"), { eventId, title: file }),
  }));
  const sessions = parts.flatMap(({ prefix, event }) =>
    event.sessions.map((s) => ({ ...s, id: `${prefix}-${s.id}`.slice(0, 200).replace(/-+$/, "") })),
  );
  return {
    id: eventId,
    title: "A conference of the samples",
    timeZone: "Europe/Brussels",
    sessions: sessions.slice(0, MAX_SESSIONS),
  };
}
