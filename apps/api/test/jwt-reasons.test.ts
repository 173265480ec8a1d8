// The reason a token is refused is the real one: the algorithm, the missing or wrong claim, the missing setting.
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { createJwtVerifier } from "../src/http/jwt.js";

const SECRET = "a-test-secret-of-at-least-32-characters!";
const NOW = new Date("2031-03-01T12:00:00Z");
const USER = "2f0b5a8e-7c1d-4a39-9d2e-0b6a1f3c4d5e";
const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

const withSecret = createJwtVerifier({ secret: SECRET, audience: "authenticated", now: () => NOW });
const withoutAnything = createJwtVerifier({ audience: "authenticated", now: () => NOW });

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
const claims = { sub: USER, aud: "authenticated", exp: seconds(NOW) + 600 };

/** A token with any header, unsigned: what an attacker can always send. */
const unsigned = (header: object, payload: object = claims) => `${base64url(header)}.${base64url(payload)}.`;

async function hs256(payload: Record<string, unknown>): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode(SECRET));
}

async function reason(verify: typeof withSecret, token: string): Promise<string> {
  const error = await verify(token).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "the token was accepted").toBeInstanceOf(Error);
  return (error as Error).message;
}

describe("why a JWT is refused", () => {
  it('refuses an alg "none" token for its algorithm, not for a missing SUPABASE_URL', async () => {
    for (const verify of [withSecret, withoutAnything]) {
      const message = await reason(verify, unsigned({ alg: "none", typ: "JWT" }));
      expect(message).toBe(
        'The token\'s signing algorithm "none" is not accepted (accepted: HS256, RS256, ES256, EdDSA)',
      );
    }
  });

  it("refuses algorithms we do not accept (HS512, PS256) for their algorithm even when a secret is set", async () => {
    const hs512 = await new SignJWT(claims).setProtectedHeader({ alg: "HS512" }).sign(new TextEncoder().encode(SECRET));
    expect(await reason(withSecret, hs512)).toMatch(/^The token's signing algorithm "HS512" is not accepted/);
    expect(await reason(withoutAnything, unsigned({ alg: "PS256" }))).toMatch(/"PS256" is not accepted/);
  });

  it("says a token's header names no algorithm, and that garbage is not a JWT", async () => {
    expect(await reason(withSecret, unsigned({ typ: "JWT" }))).toBe(
      'The token\'s header names no signing algorithm ("alg")',
    );
    expect(await reason(withSecret, "not-a-jwt")).toBe("The bearer token is not a well-formed JWT");
  });

  it("names the missing setting only for an algorithm we would accept with it", async () => {
    expect(await reason(withoutAnything, await hs256(claims))).toBe(
      "HS256 tokens are not accepted: no SUPABASE_JWT_SECRET is configured",
    );
    expect(await reason(withoutAnything, unsigned({ alg: "ES256" }))).toBe(
      "ES256 tokens are not accepted: no SUPABASE_URL is configured",
    );
  });

  it("names the claim that is missing, the audience expected and a token not valid yet", async () => {
    expect(await reason(withSecret, await hs256({ sub: USER, aud: "authenticated" }))).toBe(
      'The token has no "exp" claim, which this API requires',
    );
    expect(await reason(withSecret, await hs256({ ...claims, aud: "someone-else" }))).toBe(
      'The token\'s "aud" claim is not "authenticated" (JWT_AUDIENCE)',
    );
    expect(await reason(withSecret, await hs256({ ...claims, nbf: seconds(NOW) + 3600 }))).toBe(
      'The token is not valid yet ("nbf" is in the future)',
    );
    expect(await reason(withSecret, await hs256({ ...claims, exp: seconds(NOW) - 60 }))).toBe("The token has expired");
  });

  it("accepts a well-formed HS256 token, so the refusals above are about what they say", async () => {
    expect((await withSecret(await hs256(claims))).userId).toBe(USER);
  });
});
