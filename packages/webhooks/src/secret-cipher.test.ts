// The AES-256-GCM keyring: what it stores, what it refuses, and that it never answers a wrong secret.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { refusal } from "./refusal.test-support.js";
import { createKeyringCipher, parseKeyring, storedKeyId } from "./secret-cipher.js";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const k1 = { id: "k1", key: Buffer.alloc(32, 1) };
const k2 = { id: "k2", key: Buffer.alloc(32, 2) };

describe("keyring cipher", () => {
  it("stores v1:<key id>:<base64> that fits the VARCHAR(255) column for the largest secret, and opens it", () => {
    const cipher = createKeyringCipher([{ id: "k".repeat(32), key: k1.key }]);
    const largest = `whsec_${Buffer.alloc(64, 9).toString("base64")}`;
    const stored = cipher.encrypt(largest);
    expect(stored).toMatch(/^v1:k{32}:[A-Za-z0-9+/]+=*$/);
    expect(stored.length).toBeLessThanOrEqual(255);
    expect(cipher.decrypt(stored)).toBe(largest);
    expect(storedKeyId(stored)).toBe("k".repeat(32));
  });

  it("encrypts the same secret differently each time (a fresh IV)", () => {
    const cipher = createKeyringCipher([k1]);
    expect(cipher.encrypt(SECRET)).not.toBe(cipher.encrypt(SECRET));
  });

  it("refuses any altered ciphertext and a wrong key with secret_undecryptable, never a wrong secret", () => {
    const stored = createKeyringCipher([k1]).encrypt(SECRET);
    const wrongKey = createKeyringCipher([{ id: "k1", key: k2.key }]);
    expect(refusal(() => wrongKey.decrypt(stored))).toBe("secret_undecryptable");
    const cipher = createKeyringCipher([k1]);
    const data = Buffer.from(stored.split(":")[2]!, "base64");
    fc.assert(
      fc.property(fc.nat(data.length - 1), fc.integer({ min: 1, max: 255 }), (at, flip) => {
        const altered = Buffer.from(data);
        altered[at]! ^= flip;
        expect(refusal(() => cipher.decrypt(`v1:k1:${altered.toString("base64")}`))).toBe("secret_undecryptable");
      }),
    );
    expect(refusal(() => cipher.decrypt("v1:k1:AAAA"))).toBe("secret_undecryptable");
  });

  it("names a key id it does not hold, reads plain whsec_ rows as they are, and says what is stale", () => {
    const old = createKeyringCipher([k1]).encrypt(SECRET);
    expect(refusal(() => createKeyringCipher([k2]).decrypt(old))).toBe("secret_key_unknown");
    const both = createKeyringCipher([k2, k1]);
    expect(both.decrypt(old)).toBe(SECRET);
    expect(both.decrypt(SECRET)).toBe(SECRET);
    expect(both.isStale(old)).toBe(true);
    expect(both.isStale(SECRET)).toBe(true);
    expect(both.isStale(both.encrypt(SECRET))).toBe(false);
  });

  it("parses a keyring, the first key first, and refuses malformed ones", () => {
    const text = `k2:${k2.key.toString("base64")}, k1:${k1.key.toString("base64")}`;
    expect(parseKeyring(text).map((k) => k.id)).toEqual(["k2", "k1"]);
    for (const bad of ["", "k1", ":abc", "k1:c2hvcnQ=", `k 1:${k1.key.toString("base64")}`]) {
      expect(
        refusal(() => parseKeyring(bad)),
        bad,
      ).toBe("invalid_input");
    }
    expect(refusal(() => createKeyringCipher([k1, { ...k2, id: "k1" }]))).toBe("invalid_input");
  });
});
