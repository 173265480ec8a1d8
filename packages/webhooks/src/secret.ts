/** Webhook signing secrets in the Standard Webhooks format: `whsec_` + base64 of 24 to 64 random bytes. */
import { WebhookError } from "./errors.js";
import type { RandomBytes } from "./system.js";

export const SECRET_PREFIX = "whsec_";
export const SECRET_BYTES = 32;
const MIN_BYTES = 24;
const MAX_BYTES = 64;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export function generateSecret(randomBytes: RandomBytes, size = SECRET_BYTES): string {
  if (!Number.isInteger(size) || size < MIN_BYTES || size > MAX_BYTES) {
    throw new WebhookError("invalid_secret", `a secret has ${MIN_BYTES} to ${MAX_BYTES} bytes, not ${size}`);
  }
  return SECRET_PREFIX + Buffer.from(randomBytes(size)).toString("base64");
}

/** The key bytes of a secret; the prefix is optional, as receivers often store the bare base64. */
export function decodeSecret(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const key = BASE64.test(encoded) && encoded.length % 4 === 0 ? Buffer.from(encoded, "base64") : Buffer.alloc(0);
  if (key.length < MIN_BYTES || key.length > MAX_BYTES) {
    throw new WebhookError(
      "invalid_secret",
      `a secret is "${SECRET_PREFIX}" + base64 of ${MIN_BYTES} to ${MAX_BYTES} bytes`,
    );
  }
  return key;
}
