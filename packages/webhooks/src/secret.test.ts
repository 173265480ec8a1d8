// Secrets are whsec_ + base64 of 24 to 64 random bytes, and only those decode.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isWebhookError } from "./errors.js";
import { decodeSecret, generateSecret } from "./secret.js";

describe("secrets", () => {
  it("generates whsec_ + base64 of 32 bytes from the injected random source", () => {
    const secret = generateSecret((size) => new Uint8Array(size).fill(0xab));
    expect(secret).toBe(`whsec_${Buffer.alloc(32, 0xab).toString("base64")}`);
    expect(decodeSecret(secret)).toEqual(Buffer.alloc(32, 0xab));
  });

  it("round-trips any key of 24 to 64 bytes, with or without the prefix", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 24, maxLength: 64 }), (bytes) => {
        const secret = generateSecret(() => bytes, bytes.length);
        expect(decodeSecret(secret)).toEqual(Buffer.from(bytes));
        expect(decodeSecret(secret.slice("whsec_".length))).toEqual(Buffer.from(bytes));
      }),
    );
  });

  it.each([
    ["too short", `whsec_${Buffer.alloc(16).toString("base64")}`],
    ["too long", `whsec_${Buffer.alloc(65).toString("base64")}`],
    ["not base64", "whsec_not*base64*at*all*not*base64*at*all"],
    ["empty", "whsec_"],
  ])("refuses a secret that is %s", (_why, secret) => {
    expect(() => decodeSecret(secret)).toThrow(expect.objectContaining({ code: "invalid_secret" }));
  });

  it("refuses to generate a key outside 24 to 64 bytes", () => {
    const error = (() => {
      try {
        generateSecret((n) => new Uint8Array(n), 8);
      } catch (e) {
        return e;
      }
    })();
    expect(isWebhookError(error, "invalid_secret")).toBe(true);
  });
});
