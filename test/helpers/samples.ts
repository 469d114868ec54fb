// The real schedules in ../shared/samples (next to the repository; their licences are their own, so they are
// never copied in). Vite bundles them as raw text at transform time, so tests read them inside workerd without
// file system access; when the folder is absent (a plain clone) the glob is empty and tests skip with a notice.
const SAMPLES = import.meta.glob<string>("../../../shared/samples/**/*", { query: "?raw", import: "default" });

/** A sample's text by its path under samples/ (`frab-json/cccamp-2019.json`), or null when it is not there. */
export async function readSample(path: string): Promise<string | null> {
  const load = SAMPLES[`../../../shared/samples/${path}`];
  if (!load) {
    console.warn(`samples: ${path} not found in ../shared/samples; skipping the tests that read it`);
    return null;
  }
  return load();
}
