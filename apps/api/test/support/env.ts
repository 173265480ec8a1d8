import { type Config, loadConfig } from "../../src/config.js";

/**
 * The config's WEBHOOK_* and Twilio settings as these variables set them, for a test app's config overrides:
 * routes and workers take them from the config, never from process.env.
 */
export function settingsFromEnv(vars: Record<string, string>): Pick<Config, "webhooks" | "ivr"> {
  const { webhooks, ivr } = loadConfig(vars);
  return { webhooks, ivr };
}
