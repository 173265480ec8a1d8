import { crc32 as zlibCrc32 } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { crc32 } from "./crc32.js";
import {
  API_KEY_PATTERN,
  checksum,
  findApiKeys,
  generateKey,
  hashKey,
  isWellFormedKey,
  KEY_PREFIX_LENGTH,
  keyPrefix,
} from "./key-format.js";

const BASE62 = /^[0-9A-Za-z]+$/;

/** A randomBytes stand-in that replays the given bytes (cycling), so properties control the "randomness". */
function replay(bytes: number[]): (size: number) => Uint8Array {
  let at = 0;
  return (size) => Uint8Array.from({ length: size }, () => bytes[at++ % bytes.length]!);
}

// Bytes below 248 are always usable, so generation from them never stalls.
const usableBytes = fc.array(fc.integer({ min: 0, max: 247 }), { minLength: 1, maxLength: 96 });
const anyKey = usableBytes.map((bytes) => generateKey(replay(bytes)));

describe("key format", () => {
  it("generates vx_ + 32 base62 random characters + 6 checksum characters that verify", () => {
    fc.assert(
      fc.property(anyKey, (key) => {
        expect(key).toHaveLength(41);
        expect(key.startsWith("vx_")).toBe(true);
        expect(BASE62.test(key.slice(3))).toBe(true);
        expect(isWellFormedKey(key)).toBe(true);
        expect(API_KEY_PATTERN.test(key)).toBe(true);
        expect(keyPrefix(key)).toBe(key.slice(0, KEY_PREFIX_LENGTH));
      }),
    );
  });

  it("maps each usable byte to one base62 digit and skips bytes that would bias the digits", () => {
    const key = generateKey(replay([255, 248, 0, 61, 62, 247]));
    // 0 → "0", 61 → "z", 62 → "0", 247 → 247 % 62 = 61 → "z"; 248 and 255 are skipped.
    expect(key.slice(3, 11)).toBe("0z0z0z0z");
  });

  it("refuses a generator that never yields usable bytes instead of looping forever", () => {
    expect(() => generateKey(() => new Uint8Array(48).fill(255))).toThrow(/too few usable bytes/);
  });

  it("rejects every key with one character changed", () => {
    fc.assert(
      fc.property(
        anyKey,
        fc.nat(),
        fc.constantFrom(..."0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"),
        (key, at, replacement) => {
          const i = 3 + (at % (key.length - 3));
          fc.pre(key[i] !== replacement);
          const typo = key.slice(0, i) + replacement + key.slice(i + 1);
          expect(isWellFormedKey(typo)).toBe(false);
        },
      ),
    );
  });

  it("rejects every key with two neighbouring random characters swapped", () => {
    fc.assert(
      fc.property(anyKey, fc.nat(), (key, at) => {
        const i = 3 + (at % 31);
        fc.pre(key[i] !== key[i + 1]);
        const swapped = key.slice(0, i) + key[i + 1] + key[i] + key.slice(i + 2);
        expect(isWellFormedKey(swapped)).toBe(false);
      }),
    );
  });

  it("rejects values that are not keys at all", () => {
    for (const value of [undefined, null, 42, {}, "", "vx_", "sk_live_abc", "vx_short1", `VX_${"a".repeat(38)}`]) {
      expect(isWellFormedKey(value)).toBe(false);
    }
    const key = generateKey(replay([1, 2, 3]));
    expect(isWellFormedKey(`${key} `)).toBe(false);
    expect(isWellFormedKey(`x${key}`)).toBe(false);
  });

  it("computes the same CRC-32 as zlib", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary-ascii", maxLength: 200 }), (text) => {
        expect(crc32(text)).toBe(zlibCrc32(Buffer.from(text, "latin1")));
      }),
    );
  });

  it("encodes the checksum as exactly 6 base62 characters, zero-padded", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary-ascii" }), (text) => {
        const sum = checksum(text);
        expect(sum).toMatch(/^[0-9A-Za-z]{6}$/);
        const value = [...sum].reduce(
          (n, c) => n * 62 + "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".indexOf(c),
          0,
        );
        expect(value).toBe(crc32(text));
      }),
    );
  });

  it("hashes the whole key as hex SHA-256", () => {
    expect(hashKey("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    fc.assert(
      fc.property(anyKey, (key) => {
        expect(hashKey(key)).toMatch(/^[0-9a-f]{64}$/);
      }),
    );
  });
});

describe("secret scanning", () => {
  it("finds keys pasted into text and ignores look-alikes with a wrong checksum", () => {
    fc.assert(
      fc.property(anyKey, anyKey, (a, b) => {
        const broken = `${b.slice(0, -1)}${b.endsWith("0") ? "1" : "0"}`;
        const text = `export TOKEN=${a}\nold: ${broken}, see "${a}".`;
        expect(findApiKeys(text)).toEqual([a, a]);
      }),
    );
  });
});
