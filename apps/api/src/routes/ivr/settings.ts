/** Settings of the IVR routes from the environment: the Twilio auth token and the public URL Twilio calls. */
import type { IvrEmit } from "@vx/ivr";
import { z } from "zod";
import { ApiError } from "../../errors.js";

/** The IVR routes' settings from the environment, in `Config.ivr`. */
export type IvrSettings = Pick<IvrRouteOptions, "twilioAuthToken" | "publicUrl">;

export interface IvrRouteOptions {
  /** TWILIO_AUTH_TOKEN: when set, the Twilio voice endpoint refuses requests without a valid X-Twilio-Signature. */
  twilioAuthToken?: string;
  /**
   * PUBLIC_URL: the scheme and host Twilio uses to reach the API (e.g. an ngrok URL), for the signed URL and
   * the Gather action. Unset: taken from the request (Host, and X-Forwarded-Proto when TRUST_PROXY is on).
   */
  publicUrl?: string;
  /** Webhook events (`ivr.session.started`, `ivr.session.ended`, `call.transferred`); wired by the app. */
  emit?: IvrEmit;
}

const token = z.string().min(8);
const publicUrl = z.url({ protocol: /^https?$/ }).transform((url) => url.replace(/\/+$/, ""));

/** What `vx --help` says of each IVR variable. */
export const IVR_VARIABLES: Record<string, string> = {
  TWILIO_AUTH_TOKEN: "be the Twilio account's auth token (verifies X-Twilio-Signature on the voice route)",
  PUBLIC_URL: "be an http(s) URL such as https://ivr.example.com (the address Twilio calls; default the request's)",
};

/** Reads the two variables (by loadConfig, once); a bad value stops start-up with one line naming it. */
export function ivrSettingsFromEnv(env: Record<string, string | undefined>): IvrSettings {
  const options: IvrSettings = {};
  const rawToken = env.TWILIO_AUTH_TOKEN?.trim();
  if (rawToken) {
    if (!token.safeParse(rawToken).success) {
      throw new ApiError(
        "invalid_config",
        `TWILIO_AUTH_TOKEN must be your Twilio auth token, got a value of ${rawToken.length} characters`,
      );
    }
    options.twilioAuthToken = rawToken;
  }
  const rawUrl = env.PUBLIC_URL?.trim();
  if (rawUrl) {
    const parsed = publicUrl.safeParse(rawUrl);
    if (!parsed.success)
      throw new ApiError(
        "invalid_config",
        `PUBLIC_URL must be an http(s) URL such as https://ivr.example.com, got ${JSON.stringify(rawUrl)}`,
      );
    options.publicUrl = parsed.data;
  }
  return options;
}
