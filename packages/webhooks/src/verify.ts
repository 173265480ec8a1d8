/** verifyWebhook: what our users' receivers call to check a delivery's signature and freshness. */
import { timingSafeEqual } from "node:crypto";
import { WebhookError } from "./errors.js";
import { decodeSecret } from "./secret.js";
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
 * Throws only WebhookError: `invalid_secret` (the secret is not one), `missing_headers`, `timestamp_out_of_range`,
 * `invalid_signature`, or `invalid_body` (the body is not a string or bytes, or a correctly signed body is not JSON).
 */
export function verifyWebhook(
  secret: string,
  headers: HeaderSource,
  body: string | Uint8Array,
  options: VerifyOptions = {},
): unknown {
  if (typeof body !== "string" && !(body instanceof Uint8Array)) {
    throw new WebhookError("invalid_body", "the body must be the raw request body, a string or bytes");
  }
  const key = decodeSecret(typeof secret === "string" ? secret : "");
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
  const expected = Buffer.from(signPayload(key, id, seconds, text));
  const matches = signatures
    .split(" ")
    .map((candidate) => Buffer.from(candidate))
    .some((candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected));
  if (!matches) throw new WebhookError("invalid_signature", "no signature matches this body and secret");
  return parseBody(text);
}

function parseBody(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new WebhookError("invalid_body", "the signature matches but the body is not JSON", { cause: error });
  }
}

/** A header's value, or undefined when absent or not a string (a hostile or mistaken header source). */
function header(headers: HeaderSource, name: string): string | undefined {
  if (headers === null || typeof headers !== "object") return undefined;
  const value =
    typeof headers.get === "function"
      ? (headers as { get(name: string): string | null }).get(name)
      : lookup(headers as Record<string, unknown>, name);
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === "string" ? first : undefined;
}

function lookup(record: Record<string, unknown>, name: string): unknown {
  const key = Object.keys(record).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : record[key];
}
