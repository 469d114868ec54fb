// Chromium for the browser tests, one way: Debian's /usr/bin/chromium (.ci/run installs it), headless, with no
// network but loopback (every other host fails to resolve), so a page that reaches out anywhere shows it.
// Without the binary the browser tests are skipped locally and fail in CI, where it must be there.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, type LaunchOptions, chromium } from "playwright-core";

const CHROMIUM = "/usr/bin/chromium";

/** Whether the browser tests skip here: no Chromium, and not CI. */
export const skipWithoutChromium = !existsSync(CHROMIUM) && process.env.CI !== "true";

const LAUNCH: LaunchOptions = {
  executablePath: CHROMIUM,
  headless: true,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
  ],
};

/** A browser for many contexts (pages.test.ts); null when there is no Chromium here. */
export const launchChromium = async () => (existsSync(CHROMIUM) ? chromium.launch(LAUNCH) : null);

/** One context in a fresh profile, as a person's browser; `close` also removes the profile. */
export async function launchChromiumProfile(
  options: Parameters<typeof chromium.launchPersistentContext>[1] = {},
): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), "sessionwire-chromium-"));
  const context = await chromium.launchPersistentContext(profile, { ...LAUNCH, ...options });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
