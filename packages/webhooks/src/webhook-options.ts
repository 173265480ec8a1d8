/** Checks of a webhook's custom headers, channels and rate limit, as create and update take them. */
import { WebhookError } from "./errors.js";

/** Headers a delivery sets itself, or that only mean something to one connection (RFC 9110 §7.6.1). */
const FORBIDDEN_HEADERS = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "host",
  "content-length",
  "content-type",
  "content-encoding",
  "expect",
  "user-agent",
]);
const TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
/** Visible ASCII, spaces and tabs: no CR, LF or NUL that could split a header. */
const VALUE = /^[\t\x20-\x7e]*$/;
const CHANNEL = /^[A-Za-z0-9_.:-]{1,128}$/;

export const MAX_HEADERS = 20;
/** Names and values together, in bytes. */
export const MAX_HEADER_BYTES = 2048;
export const MAX_CHANNELS = 10;
export const MAX_RATE_LIMIT_PER_SECOND = 10_000;

/** Lower-cased names, as they go on the wire; refuses hop-by-hop, `webhook-*` and oversized headers. */
export function checkHeaders(headers: unknown): Record<string, string> {
  if (headers === null || typeof headers !== "object" || Array.isArray(headers)) {
    throw invalid("headers", "headers is an object of header names to string values");
  }
  const entries = Object.entries(headers as Record<string, unknown>);
  if (entries.length > MAX_HEADERS) throw invalid("headers", `at most ${MAX_HEADERS} headers`);
  const checked: Record<string, string> = {};
  let bytes = 0;
  for (const [raw, value] of entries) {
    const name = raw.toLowerCase();
    const field = `headers.${raw}`;
    if (!TOKEN.test(name)) throw invalid(field, `${raw} is not a valid header name`);
    if (FORBIDDEN_HEADERS.has(name)) throw invalid(field, `${raw} is set by the delivery itself or is hop-by-hop`);
    if (name.startsWith("webhook-")) throw invalid(field, "webhook-* headers are the signature's");
    if (typeof value !== "string" || !VALUE.test(value)) {
      throw invalid(field, `${raw} must be a string of visible ASCII characters`);
    }
    if (name in checked) throw invalid(field, `${raw} is given twice`);
    checked[name] = value;
    bytes += name.length + value.length;
  }
  if (bytes > MAX_HEADER_BYTES)
    throw invalid("headers", `headers are ${bytes} bytes; the limit is ${MAX_HEADER_BYTES}`);
  return checked;
}

/** Null (every message) or 1 to 10 names of letters, digits, `_`, `.`, `:` or `-`. */
export function checkChannels(channels: unknown, field = "channels"): string[] | null {
  if (channels === null) return null;
  if (!Array.isArray(channels) || channels.length === 0 || channels.length > MAX_CHANNELS) {
    throw invalid(field, `${field} is null or lists 1 to ${MAX_CHANNELS} channels`);
  }
  for (const channel of channels) {
    if (typeof channel !== "string" || !CHANNEL.test(channel)) {
      throw invalid(field, `${String(channel)} is not a channel: 1 to 128 letters, digits, _ . : or -`);
    }
  }
  return [...new Set(channels as string[])];
}

export function checkRateLimit(value: unknown): number | null {
  if (value === null) return null;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_RATE_LIMIT_PER_SECOND) {
    throw invalid(
      "rate_limit_per_second",
      `rate_limit_per_second is null or an integer from 1 to ${MAX_RATE_LIMIT_PER_SECOND}`,
    );
  }
  return value;
}

function invalid(field: string, message: string): WebhookError {
  return new WebhookError("invalid_input", message, { details: { field } });
}
