/** Standard Webhooks v1 signatures: base64 HMAC-SHA256 over `{id}.{timestamp}.{body}` with the secret's bytes. */
import { createHmac } from "node:crypto";
import { decodeSecret } from "./secret.js";

// A type alias, not an interface, so it passes wherever a plain header record is expected.
export type SignedHeaders = {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
};

/** `secret` is a `whsec_` secret, or its key bytes already decoded. */
export function signPayload(
  secret: string | Buffer,
  messageId: string,
  timestampSeconds: number,
  body: string,
): string {
  const mac = createHmac("sha256", typeof secret === "string" ? decodeSecret(secret) : secret);
  mac.update(`${messageId}.${timestampSeconds}.`);
  mac.update(body);
  return `v1,${mac.digest("base64")}`;
}

/** One signature per secret, space-separated: during a rotation receivers holding either secret verify. */
export function signHeaders(
  secrets: readonly string[],
  messageId: string,
  timestampSeconds: number,
  body: string,
): SignedHeaders {
  return {
    "webhook-id": messageId,
    "webhook-timestamp": String(timestampSeconds),
    "webhook-signature": secrets.map((secret) => signPayload(secret, messageId, timestampSeconds, body)).join(" "),
  };
}
