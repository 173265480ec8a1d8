/** verifyWebhook: what our users' receivers call to check a delivery's signature and freshness. */
import { timingSafeEqual } from "node:crypto";
import { WebhookError } from "./errors.js";
import { signPayload } from "./signature.js";
import { type Clock, systemClock } from "./system.js";

/** A fetch `Headers`, or a plain object as Node's `IncomingMessage.headers`, Fastify or Express give. */
export type HeaderSource = { get(name: string): string | null } | Record<string, string | string[] | undefined>;

export interface VerifyOptions {
  /** How far the timestamp may be from now, either way; default 300 s. */
  toleranceSeconds?: number;
  now?: Clock;
}

/**
 * Checks the headers and the exact body bytes against the secret and returns the parsed JSON body.
 * Throws WebhookError `missing_headers`, `timestamp_out_of_range` or `invalid_signature`.
 */
export function verifyWebhook(
  secret: string,
  headers: HeaderSource,
  body: string | Uint8Array,
  options: VerifyOptions = {},
): unknown {
  const id = header(headers, "webhook-id");
  const timestamp = header(headers, "webhook-timestamp");
  const signatures = header(headers, "webhook-signature");
  if (!id || !timestamp || !signatures) {
    throw new WebhookError("missing_headers", "webhook-id, webhook-timestamp and webhook-signature are required");
  }
  const seconds = /^\d+$/.test(timestamp) ? Number(timestamp) : Number.NaN;
  const nowSeconds = Math.floor((options.now ?? systemClock)().getTime() / 1000);
  if (!Number.isSafeInteger(seconds) || Math.abs(nowSeconds - seconds) > (options.toleranceSeconds ?? 300)) {
    throw new WebhookError("timestamp_out_of_range", "the webhook-timestamp is too far from now");
  }
  const text = typeof body === "string" ? body : Buffer.from(body).toString("utf8");
  const expected = Buffer.from(signPayload(secret, id, seconds, text));
  const matches = signatures
    .split(" ")
    .map((candidate) => Buffer.from(candidate))
    .some((candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected));
  if (!matches) throw new WebhookError("invalid_signature", "no signature matches this body and secret");
  return text === "" ? undefined : JSON.parse(text);
}

function header(headers: HeaderSource, name: string): string | undefined {
  if (typeof headers.get === "function")
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  return Array.isArray(value) ? value[0] : value;
}
