// The real schedules in ../shared/samples (next to the repository; see its README), read at run time: their
// licences are their own, so they are never copied into the repository. Vite's glob reaches outside the project
// root and `?raw` hands each file over as text (invalid UTF-8 bytes become U+FFFD, as any text input would).
const SAMPLES = import.meta.glob<string>("../../../shared/samples/**/*", { query: "?raw", import: "default" });

/** A sample's text by its path under samples/ (`ics/jres-2022.ics`), or null (with a notice) when absent. */
export async function readSample(path: string): Promise<string | null> {
  const load = SAMPLES[`../../../shared/samples/${path}`];
  if (!load) {
    console.log(`samples: ../shared/samples/${path} is absent; its tests are skipped`);
    return null;
  }
  return load();
}
