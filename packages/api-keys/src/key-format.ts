// The vx_ key format: prefix, ≥190 bits of base62 randomness, and a base62 CRC-32 checksum (like GitHub's tokens).
import { createHash } from "node:crypto";
import { crc32 } from "./crc32.js";

export const KEY_PREFIX = "vx_";
/** 32 base62 characters carry 32 · log2(62) ≈ 190.5 bits. */
export const KEY_RANDOM_LENGTH = 32;
export const KEY_CHECKSUM_LENGTH = 6;
/** The stored, displayable identification of a key: `vx_` and the first 7 random characters. */
export const KEY_PREFIX_LENGTH = 10;

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** Bytes at or above this are skipped so every base62 digit is equally likely (248 = 4 · 62). */
const UNBIASED_LIMIT = 248;

/**
 * What secret scanners look for: `vx_` then 38 or more base62 characters. A match is a key only if its
 * checksum holds: `findApiKeys` checks that. Longer random parts are accepted so the format can grow.
 */
export const API_KEY_PATTERN = /\bvx_[0-9A-Za-z]{38,134}\b/;

const WELL_FORMED = /^vx_[0-9A-Za-z]{38,134}$/;

export type RandomBytes = (size: number) => Uint8Array;

/** A new key from a CSPRNG; the caller injects `randomBytes` (node:crypto's in production). */
export function generateKey(randomBytes: RandomBytes): string {
  let body = "";
  // Rejection sampling discards ~3 % of bytes; the bound only stops a broken generator from looping forever.
  for (let round = 0; body.length < KEY_RANDOM_LENGTH; round++) {
    if (round >= 64) throw new Error("randomBytes returned too few usable bytes");
    for (const byte of randomBytes(48)) {
      if (byte >= UNBIASED_LIMIT) continue;
      body += BASE62[byte % 62];
      if (body.length === KEY_RANDOM_LENGTH) break;
    }
  }
  return `${KEY_PREFIX}${body}${checksum(body)}`;
}

/** The 6-character base62 CRC-32 of a key's random part, left-padded with zeros (62^6 > 2^32). */
export function checksum(randomPart: string): string {
  let n = crc32(randomPart);
  let out = "";
  for (let i = 0; i < KEY_CHECKSUM_LENGTH; i++) {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

/** True when the text has the key shape and its checksum matches: no database needed to reject typos. */
export function isWellFormedKey(key: unknown): key is string {
  if (typeof key !== "string" || !WELL_FORMED.test(key)) return false;
  const body = key.slice(KEY_PREFIX.length, -KEY_CHECKSUM_LENGTH);
  return checksum(body) === key.slice(-KEY_CHECKSUM_LENGTH);
}

/** Hex SHA-256 of the whole key: the only form in which a key is stored. */
export function hashKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/** The first 10 characters, stored so users can tell their keys apart. */
export function keyPrefix(key: string): string {
  return key.slice(0, KEY_PREFIX_LENGTH);
}

/** Every well-formed key in a text (logs, commits, pastes), for secret scanning. */
export function findApiKeys(text: string): string[] {
  const all = text.match(new RegExp(API_KEY_PATTERN.source, "g")) ?? [];
  return all.filter(isWellFormedKey);
}
