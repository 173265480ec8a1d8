/**
 * Webhook secrets at rest: the SecretCipher port, and its AES-256-GCM keyring implementation (as Svix stores them).
 * A stored secret is `v1:<key id>:<base64 of iv, ciphertext, tag>`; a plain `whsec_` value is a row written before
 * encryption and still reads, until `reencrypt` moves it under the current key.
 */
import { createCipheriv, createDecipheriv } from "node:crypto";
import { WebhookError } from "./errors.js";
import { type RandomBytes, systemRandomBytes } from "./system.js";

/** Turns a `whsec_` secret into what the database stores, and back. */
export interface SecretCipher {
  encrypt(secret: string): string;
  /** Throws WebhookError `secret_key_unknown` or `secret_undecryptable`, never answers a wrong secret. */
  decrypt(stored: string): string;
  /** True when the stored value is plain or under a key other than the current one. */
  isStale(stored: string): boolean;
}

export interface SecretKey {
  /** Named in every ciphertext: letters, digits, `_` and `-`, up to 32. */
  id: string;
  /** 32 bytes. */
  key: Uint8Array;
}

const FORMAT = "v1";
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const IV_BYTES = 12;
const TAG_BYTES = 16;
// Binds a ciphertext to its use: the same key could not be fed another kind of value as a webhook secret.
const AAD = Buffer.from("vx webhook secret v1");

/** A keyring cipher: the first key encrypts, every key decrypts what was stored under its id. */
export function createKeyringCipher(keys: readonly SecretKey[], randomBytes: RandomBytes = systemRandomBytes) {
  if (keys.length === 0) throw new WebhookError("invalid_input", "a keyring needs at least one key");
  const byId = new Map<string, Buffer>();
  for (const { id, key } of keys) {
    if (!KEY_ID.test(id)) throw new WebhookError("invalid_input", `key id "${id}" is not 1 to 32 of A-Z a-z 0-9 _ -`);
    if (key.length !== 32) throw new WebhookError("invalid_input", `key "${id}" has ${key.length} bytes, not 32`);
    if (byId.has(id)) throw new WebhookError("invalid_input", `key id "${id}" appears twice`);
    byId.set(id, Buffer.from(key));
  }
  const current = keys[0]!.id;
  const cipher: SecretCipher = {
    encrypt(secret) {
      const iv = Buffer.from(randomBytes(IV_BYTES));
      const aes = createCipheriv("aes-256-gcm", byId.get(current)!, iv).setAAD(AAD);
      const sealed = Buffer.concat([iv, aes.update(secret, "utf8"), aes.final(), aes.getAuthTag()]);
      return `${FORMAT}:${current}:${sealed.toString("base64")}`;
    },
    decrypt(stored) {
      const parts = stored.split(":");
      if (parts.length !== 3 || parts[0] !== FORMAT) return stored;
      const [, id, data] = parts as [string, string, string];
      const key = byId.get(id);
      if (!key) {
        throw new WebhookError(
          "secret_key_unknown",
          `webhook secrets are stored under key "${id}", not in the keyring`,
          {
            details: { key_id: id },
          },
        );
      }
      const sealed = Buffer.from(data, "base64");
      try {
        const aes = createDecipheriv("aes-256-gcm", key, sealed.subarray(0, IV_BYTES)).setAAD(AAD);
        aes.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
        return Buffer.concat([aes.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), aes.final()]).toString(
          "utf8",
        );
      } catch (error) {
        throw new WebhookError("secret_undecryptable", `key "${id}" does not decrypt a stored webhook secret`, {
          cause: error,
          details: { key_id: id },
        });
      }
    },
    isStale(stored) {
      return !stored.startsWith(`${FORMAT}:${current}:`);
    },
  };
  return cipher;
}

/** The key id a stored value names, or null for a plain secret. */
export function storedKeyId(stored: string): string | null {
  const parts = stored.split(":");
  return parts.length === 3 && parts[0] === FORMAT ? parts[1]! : null;
}

/** Parses `kid1:<base64 of 32 bytes>,kid0:<…>` (the first encrypts); throws WebhookError `invalid_input`. */
export function parseKeyring(text: string): SecretKey[] {
  return text.split(",").map((entry) => {
    const at = entry.indexOf(":");
    const id = entry.slice(0, at).trim();
    const encoded = entry.slice(at + 1).trim();
    if (at < 1 || !KEY_ID.test(id) || !/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) {
      throw new WebhookError("invalid_input", "each key is <id>:<base64 of 32 bytes>, separated by commas");
    }
    const key = Buffer.from(encoded, "base64");
    if (key.length !== 32) throw new WebhookError("invalid_input", `key "${id}" has ${key.length} bytes, not 32`);
    return { id, key };
  });
}
