import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Two projects: "workers" runs unit and integration tests inside workerd with the bindings from
// wrangler.toml; "e2e" runs in Node and drives the real `npm start` server over HTTP and in Chromium.
// Test values for the secrets in wrangler.toml ([secrets] required); real ones come from wrangler secret.
// The webhook key is the Standard Webhooks specification's own test-vector key.
const TEST_SECRETS = {
  WEBHOOK_SECRET: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  ADMIN_TOKEN: "test-admin-token,test-admin-token-next",
  GITHUB_WEBHOOK_SECRET: "It's a Secret to Everybody",
  ETHERPAD_API_KEY: "test-etherpad-api-key",
  SUBSCRIPTION_SECRET: "test-subscription-secret",
  MAIL_API_KEY: "test-mail-api-key",
};

export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  return {
    test: {
      projects: [
        {
          plugins: [
            cloudflareTest({
              wrangler: { configPath: "./wrangler.toml" },
              // No WebSub hub: the consumers running in the background must never ping one (tests that
              // check pings name their own hub); test/setup.ts refuses any request that leaves the machine.
              // Development: the site is wrangler.toml's http://127.0.0.1:8787, which production refuses.
              miniflare: {
                bindings: { TEST_MIGRATIONS: migrations, ...TEST_SECRETS, WEBSUB_HUB: "", ENVIRONMENT: "development" },
              },
            }),
          ],
          test: {
            name: "workers",
            setupFiles: ["./test/setup.ts"],
            include: ["test/unit/**/*.test.{ts,tsx}", "test/integration/**/*.test.{ts,tsx}"],
          },
        },
        {
          test: {
            name: "e2e",
            environment: "node",
            include: ["test/e2e/**/*.test.ts"],
            testTimeout: 120_000,
            hookTimeout: 180_000,
          },
        },
      ],
    },
  };
});
