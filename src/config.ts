// The one place that reads vars and secrets. `readConfig` validates them (zod) into plain data the pipeline and
// the routes take as arguments; `Bindings` declares, once, the Worker's bindings with each queue's message type.
// A capability whose configuration is missing answers 503 `not_configured` instead of pretending to work (a
// subscribe answered "mail on its way" while no mail could ever be signed or sent), and GET /api/admin/health
// lists what is missing. Mail and WebSub pings hand PUBLIC_BASE_URL to the world, so a production deployment
// (ENVIRONMENT is anything but "development") refuses them unless it is an https address off loopback.
// OUTBOUND_ALLOW_LOOPBACK (outbound webhooks to 127.0.0.1 for local development) is refused the same way.
import { z } from "zod";
import type { ChangesMessage, HooksMessage, NotifyMessage } from "./domain/messages.ts";

/** The generated Env (`wrangler types`), with the message type of each queue. */
export type Bindings = Omit<Env, "CHANGES" | "NOTIFY" | "HOOKS"> & {
  CHANGES: Queue<ChangesMessage>;
  NOTIFY: Queue<NotifyMessage>;
  HOOKS: Queue<HooksMessage>;
  /** Only ever set in .dev.vars, never in wrangler.toml, so the generated Env does not name it. */
  OUTBOUND_ALLOW_LOOPBACK?: string;
};

/** The queues' names (wrangler.toml [[queues.consumers]]), as batches and failure rows name them. */
export const QUEUES = {
  changes: "sessionwire-changes",
  notify: "sessionwire-notify",
  hooks: "sessionwire-hooks",
  changesDeadLetters: "sessionwire-changes-dlq",
  notifyDeadLetters: "sessionwire-notify-dlq",
  hooksDeadLetters: "sessionwire-hooks-dlq",
} as const;

/** The vars and secrets as text, the way the platform hands them over (any of them may be missing or empty). */
export type ConfigEnv = Partial<
  Pick<
    Env,
    | "WEBHOOK_SECRET"
    | "GITHUB_WEBHOOK_SECRET"
    | "ETHERPAD_API_KEY"
    | "ADMIN_TOKEN"
    | "SUBSCRIPTION_SECRET"
    | "MAIL_FROM"
    | "MAIL_TRANSPORT"
    | "MAIL_API_URL"
    | "MAIL_API_KEY"
    | "PUBLIC_BASE_URL"
    | "WEBSUB_HUB"
    | "WATCH_HOSTS"
    | "QUIET_PERIOD_SECONDS"
    | "ENVIRONMENT"
  >
> & { OUTBOUND_ALLOW_LOOPBACK?: string };

const DEFAULT_QUIET_PERIOD_SECONDS = 600;

/** Comma-separated values, trimmed, empty ones dropped (secrets rotate by listing the old and the new). */
const list = z
  .string()
  .optional()
  .transform((value) =>
    (value ?? "")
      .split(",")
      .map((v) => v.trim())
      .filter(Boolean),
  );
const text = z
  .string()
  .optional()
  .transform((value) => value ?? "");

const ConfigSchema = z.object({
  /** "development" (npm start, the tests, the bench and soak) relaxes the PUBLIC_BASE_URL check; anything else,
   * or nothing, is production: a deployment that forgets the var gets the strict check, never the loose one. */
  ENVIRONMENT: text.transform((value): Environment => (value.trim() === "development" ? "development" : "production")),
  /** How long a pad's text must stay unchanged before it is published (seconds; not a number: the default). */
  QUIET_PERIOD_SECONDS: z
    .string()
    .optional()
    .transform((value) => {
      const n = Number(value ?? DEFAULT_QUIET_PERIOD_SECONDS);
      return Number.isFinite(n) && n >= 0 ? Math.floor(n) : DEFAULT_QUIET_PERIOD_SECONDS;
    }),
  /** Hosts the poller and the consumer may fetch pad text from, compared case-insensitively. */
  WATCH_HOSTS: list.transform((hosts) => [...new Set(hosts.map((h) => h.toLowerCase()))]),
  PUBLIC_BASE_URL: text,
  WEBSUB_HUB: text.transform((hub) => hub || null),
  MAIL_FROM: text,
  MAIL_TRANSPORT: text.transform((transport) => transport || "binding"),
  MAIL_API_URL: text,
  MAIL_API_KEY: text,
  SUBSCRIPTION_SECRET: text,
  WEBHOOK_SECRET: list,
  ADMIN_TOKEN: list,
  GITHUB_WEBHOOK_SECRET: text,
  ETHERPAD_API_KEY: text,
  OUTBOUND_ALLOW_LOOPBACK: text.transform((value) => value.trim() === "true"),
});

export type Environment = "production" | "development";

export type Config = {
  environment: Environment;
  quietPeriodSeconds: number;
  watchHosts: string[];
  /** Where the public site lives (feeds and mail carry absolute URLs), and the WebSub hub feeds advertise. */
  site: { baseUrl: string; hubUrl: string | null };
  mail: { from: string; transport: string; apiUrl: string; apiKey: string; subscriptionSecret: string };
  secrets: { webhook: string[]; admin: string[]; github: string; etherpad: string };
  /**
   * Outbound webhooks. allowLoopback: endpoints on 127.0.0.1 / localhost may receive deliveries (development
   * only; loopbackRequested says it was asked for, so production can refuse it loudly instead of ignoring it).
   */
  outbound: { allowLoopback: boolean; loopbackRequested: boolean };
};

/** Read once per bindings object: the platform hands an isolate the same env for every request and batch. */
const cache = new WeakMap<object, Config>();

export function readConfig(env: ConfigEnv): Config {
  const cached = cache.get(env);
  if (cached) return cached;
  const config = parseConfig(env);
  cache.set(env, config);
  return config;
}

function parseConfig(env: ConfigEnv): Config {
  const c = ConfigSchema.parse(env);
  return {
    environment: c.ENVIRONMENT,
    quietPeriodSeconds: c.QUIET_PERIOD_SECONDS,
    watchHosts: c.WATCH_HOSTS,
    site: { baseUrl: c.PUBLIC_BASE_URL, hubUrl: c.WEBSUB_HUB },
    mail: {
      from: c.MAIL_FROM,
      transport: c.MAIL_TRANSPORT,
      apiUrl: c.MAIL_API_URL,
      apiKey: c.MAIL_API_KEY,
      subscriptionSecret: c.SUBSCRIPTION_SECRET,
    },
    secrets: {
      webhook: c.WEBHOOK_SECRET,
      admin: c.ADMIN_TOKEN,
      github: c.GITHUB_WEBHOOK_SECRET,
      etherpad: c.ETHERPAD_API_KEY,
    },
    outbound: {
      allowLoopback: c.OUTBOUND_ALLOW_LOOPBACK && c.ENVIRONMENT === "development",
      loopbackRequested: c.OUTBOUND_ALLOW_LOOPBACK,
    },
  };
}

export type Capability =
  | "notes webhooks"
  | "GitHub webhooks"
  | "Etherpad webhooks"
  | "admin API"
  | "mail"
  | "WebSub pings"
  | "outbound webhooks";

const blank = (value: string) => !value.trim();

/** 127.0.0.0/8, ::1 and localhost (with its subdomains, RFC 6761): nobody but this machine reaches them. */
function isLoopback(hostname: string): boolean {
  return (
    hostname === "localhost" ||
    hostname.endsWith(".localhost") ||
    hostname === "[::1]" ||
    /^127(\.\d+){3}$/.test(hostname)
  );
}

/**
 * What is wrong with PUBLIC_BASE_URL as an address to give the world (links and List-Unsubscribe in mails, the
 * feed URLs a WebSub hub is told to fetch), or null when nothing is. In production it must be https and not a
 * loopback host: a deployment still on wrangler.toml's local default (http://127.0.0.1:8787) would mail links
 * nobody can open. In development http is allowed on loopback only, where npm start serves.
 */
export function checkPublicBaseUrl(config: Pick<Config, "site" | "environment">): string | null {
  const url = URL.parse(config.site.baseUrl);
  if (!url) return "PUBLIC_BASE_URL";
  const loopback = isLoopback(url.hostname);
  if (config.environment === "development") {
    return url.protocol === "https:" || (url.protocol === "http:" && loopback)
      ? null
      : "PUBLIC_BASE_URL (https, or http on a loopback host)";
  }
  return url.protocol === "https:" && !loopback
    ? null
    : 'PUBLIC_BASE_URL (an https address others can reach, since ENVIRONMENT is not "development")';
}

/** Names of what is missing or unusable for `capability`, each with why when it is set but wrong. */
export function listMissingConfig(config: Config, capability: Capability): string[] {
  switch (capability) {
    case "notes webhooks":
      return config.secrets.webhook.length ? [] : ["WEBHOOK_SECRET"];
    case "GitHub webhooks":
      return blank(config.secrets.github) ? ["GITHUB_WEBHOOK_SECRET"] : [];
    case "Etherpad webhooks":
      return blank(config.secrets.etherpad) ? ["ETHERPAD_API_KEY"] : [];
    case "admin API":
      return config.secrets.admin.length ? [] : ["ADMIN_TOKEN"];
    case "mail": {
      const { mail } = config;
      const missing: string[] = [];
      if (blank(mail.subscriptionSecret)) missing.push("SUBSCRIPTION_SECRET");
      if (blank(mail.from)) missing.push("MAIL_FROM");
      const baseUrl = checkPublicBaseUrl(config);
      if (baseUrl) missing.push(baseUrl);
      if (mail.transport === "http") {
        if (blank(mail.apiUrl)) missing.push("MAIL_API_URL");
        if (blank(mail.apiKey)) missing.push("MAIL_API_KEY");
      } else if (mail.transport !== "binding") missing.push('MAIL_TRANSPORT (must be "binding" or "http")');
      return missing;
    }
    case "WebSub pings": {
      // No hub configured: nothing to ping, so nothing is missing.
      const baseUrl = config.site.hubUrl ? checkPublicBaseUrl(config) : null;
      return baseUrl ? [baseUrl] : [];
    }
    case "outbound webhooks":
      // Set where it must never be: refused outright rather than quietly ignored.
      return config.outbound.loopbackRequested && config.environment !== "development"
        ? ['OUTBOUND_ALLOW_LOOPBACK (only allowed when ENVIRONMENT is "development")']
        : [];
  }
}

export const CAPABILITIES: Capability[] = [
  "notes webhooks",
  "GitHub webhooks",
  "Etherpad webhooks",
  "admin API",
  "mail",
  "WebSub pings",
  "outbound webhooks",
];

/** Every capability with something missing, for the health report. */
export function listAllMissingConfig(config: Config): { capability: Capability; missing: string[] }[] {
  return CAPABILITIES.map((capability) => ({ capability, missing: listMissingConfig(config, capability) })).filter(
    (c) => c.missing.length > 0,
  );
}
