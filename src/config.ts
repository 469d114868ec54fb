// What each capability needs from vars and secrets, checked in one place. A capability whose configuration
// is missing answers 503 `not_configured` instead of pretending to work (a subscribe answered "mail on its
// way" while no mail could ever be signed or sent), and GET /api/admin/health lists what is missing.

export type Capability = "notes webhooks" | "GitHub webhooks" | "Etherpad webhooks" | "admin API" | "mail";

type ConfigEnv = Pick<
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
>;

const blank = (value: string | undefined) => !value?.trim();

/** Names of what is missing or unusable for `capability`, each with why when it is set but wrong. */
export function listMissingConfig(env: ConfigEnv, capability: Capability): string[] {
  switch (capability) {
    case "notes webhooks":
      return blank(env.WEBHOOK_SECRET) ? ["WEBHOOK_SECRET"] : [];
    case "GitHub webhooks":
      return blank(env.GITHUB_WEBHOOK_SECRET) ? ["GITHUB_WEBHOOK_SECRET"] : [];
    case "Etherpad webhooks":
      return blank(env.ETHERPAD_API_KEY) ? ["ETHERPAD_API_KEY"] : [];
    case "admin API":
      return blank(env.ADMIN_TOKEN) ? ["ADMIN_TOKEN"] : [];
    case "mail": {
      const missing: string[] = [];
      if (blank(env.SUBSCRIPTION_SECRET)) missing.push("SUBSCRIPTION_SECRET");
      if (blank(env.MAIL_FROM)) missing.push("MAIL_FROM");
      if (!URL.canParse(env.PUBLIC_BASE_URL ?? "")) missing.push("PUBLIC_BASE_URL");
      const transport = env.MAIL_TRANSPORT || "binding";
      if (transport === "http") {
        if (blank(env.MAIL_API_URL)) missing.push("MAIL_API_URL");
        if (blank(env.MAIL_API_KEY)) missing.push("MAIL_API_KEY");
      } else if (transport !== "binding") missing.push('MAIL_TRANSPORT (must be "binding" or "http")');
      return missing;
    }
  }
}

export const CAPABILITIES: Capability[] = [
  "notes webhooks",
  "GitHub webhooks",
  "Etherpad webhooks",
  "admin API",
  "mail",
];

/** Every capability with something missing, for the health report. */
export function listAllMissingConfig(env: ConfigEnv): { capability: Capability; missing: string[] }[] {
  return CAPABILITIES.map((capability) => ({ capability, missing: listMissingConfig(env, capability) })).filter(
    (c) => c.missing.length > 0,
  );
}
