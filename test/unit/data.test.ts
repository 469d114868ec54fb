/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";
import { Event } from "../../src/domain/event.ts";
import { importWikiPage } from "../../src/import/wiki.ts";
import seed from "../../data/sources/design-sessions-2019.txt?raw";

// The committed catalogue: every file parses, and the 2019 one is what the importer makes of its source page,
// following the live wiki page (regenerate with `npm run import -- data/sources/design-sessions-2019.txt
// --format wiki --source https://wiki.xenproject.org/wiki/Design_Sessions_2019 --event xen-design-sessions-2019
// --title "Xen Design Sessions 2019" --out data/events/xen-design-sessions-2019.json`).
const files = import.meta.glob<{ default: unknown }>("../../data/events/*.json", { eager: true });

describe("data/events", () => {
  it("holds catalogues that parse as events", () => {
    expect(Object.keys(files)).toContain("../../data/events/xen-design-sessions-2019.json");
    for (const [path, file] of Object.entries(files)) {
      const result = Event.safeParse(file.default);
      expect(result.error, path).toBeUndefined();
      expect(path.endsWith(`/${result.data?.id}.json`), `${path} is named after its event id`).toBe(true);
    }
  });

  it("keeps the 2019 catalogue in step with its source page", () => {
    const imported = importWikiPage(seed, { eventId: "xen-design-sessions-2019", title: "Xen Design Sessions 2019" });
    expect(files["../../data/events/xen-design-sessions-2019.json"]?.default).toEqual({
      ...imported,
      source: { url: "https://wiki.xenproject.org/wiki/Design_Sessions_2019", format: "wiki" },
    });
  });
});
