/** Every way a caller may (try to) authenticate as a user: their JWT and API key, and the broken variants of both. */

import type { TestApp } from "../../src/testing.js";
import { signToken } from "../../src/token.js";
import type { Tenant } from "./tenant.js";

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

export interface Credentials {
  /** The user's JWT, their API key as a bearer token and as X-API-Key, and a service-role JWT for them. */
  working: Record<string, string>[];
  /** None, malformed, expired, badly signed, wrong audience, someone else's secret, unknown keys, and mixes. */
  broken: Record<string, string>[];
}

export async function credentialsFor(t: TestApp, user: Tenant, now: Date): Promise<Credentials> {
  const jwt = await t.token(user.userId, { expiresIn: "30d" });
  const payload = jwt.split(".")[1]!;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const key = user.apiKey.plain;
  const working: Record<string, string>[] = [
    user.jwt,
    bearer(key),
    { "x-api-key": key },
    bearer(await t.token(user.userId, { role: "service_role" })),
  ];
  const broken: Record<string, string>[] = [
    {},
    { authorization: "Bearer" },
    { authorization: "Bearer " },
    { authorization: `bearer ${jwt}` },
    { authorization: "Basic dXNlcjpwYXNzd29yZA==" },
    { authorization: `Token ${key}` },
    bearer(`${jwt.slice(0, -4)}AAAA`),
    bearer(`${base64url({ alg: "none", typ: "JWT" })}.${payload}.`),
    bearer(`${base64url({ alg: "HS256" })}.${base64url({ sub: user.userId, aud: "authenticated" })}.x`),
    bearer(await t.token(user.userId, { now: () => new Date(now.getTime() - 7_200_000), expiresIn: "1h" })),
    bearer(await t.token(user.userId, { audience: "someone-else" })),
    bearer(await t.token(user.userId, { claims: { role: "supabase_admin" } })),
    bearer(await t.token("not-a-uuid")),
    bearer(await signToken({ userId: user.userId, secret: "another-secret-that-is-at-least-32-chars" })),
    bearer(`vx_${"0".repeat(38)}`),
    bearer(`${key.slice(0, -1)}${key.endsWith("A") ? "B" : "A"}`),
    { "x-api-key": "vx_short" },
    { "x-api-key": ` ${key} ` },
    { authorization: `Bearer ${key}`, "x-api-key": "vx_other" },
    { authorization: `Bearer ${jwt}`, "x-api-key": key },
  ];
  return { working, broken };
}
