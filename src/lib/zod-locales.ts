// zod's locale barrel as the deployed bundle has it (wrangler.toml [alias]): English alone, the locale zod sets
// by default, so every message is the same and `z.locales.en` still exists. Nothing calls `z.config(...)`.
export { default as en } from "zod/v4/locales/en.js";
