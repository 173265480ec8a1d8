// Twilio's X-Twilio-Signature: HMAC-SHA1 of the full URL followed by each POST field (sorted) name+value.
import { createHmac, timingSafeEqual } from "node:crypto";

export type TwilioParams = Record<string, string | readonly string[] | undefined>;

export function computeTwilioSignature(authToken: string, url: string, params: TwilioParams): string {
  let data = url;
  for (const key of Object.keys(params).sort()) {
    const value = params[key];
    if (value === undefined) continue;
    const values = typeof value === "string" ? [value] : [...value].sort();
    for (const v of values) data += key + v;
  }
  return createHmac("sha1", authToken).update(data, "utf8").digest("base64");
}

/**
 * True when `signature` signs this request. Like Twilio's own helper, the URL is also tried with and without
 * the scheme's default port, since Twilio may sign either form.
 */
export function verifyTwilioSignature(
  authToken: string,
  signature: string | undefined,
  url: string,
  params: TwilioParams,
): boolean {
  if (!signature) return false;
  const given = Buffer.from(signature);
  return urlVariants(url).some((candidate) => {
    const expected = Buffer.from(computeTwilioSignature(authToken, candidate, params));
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
}

function urlVariants(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [url];
  }
  const defaultPort = parsed.protocol === "https:" ? "443" : parsed.protocol === "http:" ? "80" : "";
  if (!defaultPort) return [url];
  const withoutPort = new URL(url);
  withoutPort.port = "";
  const host = withoutPort.host;
  // URL drops a default port when set, so the ported form is built by hand.
  const withPort = `${parsed.protocol}//${parsed.username ? `${parsed.username}:${parsed.password}@` : ""}${host}:${defaultPort}${parsed.pathname}${parsed.search}`;
  return [...new Set([url, withoutPort.toString(), withPort])];
}
