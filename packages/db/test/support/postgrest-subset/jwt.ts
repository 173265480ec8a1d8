// HS256 JSON Web Tokens, as Supabase's legacy JWT secret signs them: enough to mint and check test tokens.
import { createHmac, timingSafeEqual } from "node:crypto";

const base64url = (data: Buffer | string) => Buffer.from(data).toString("base64url");

export function signJwt(claims: Record<string, unknown>, secret: string): string {
  const head = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const body = base64url(JSON.stringify(claims));
  const signature = createHmac("sha256", secret).update(`${head}.${body}`).digest("base64url");
  return `${head}.${body}.${signature}`;
}

export class JwtRejected extends Error {
  constructor(
    readonly code: "PGRST301" | "PGRST303",
    message: string,
  ) {
    super(message);
  }
}

/** The token's claims when its HS256 signature is right and it has not expired (`nowSeconds`). */
export function verifyJwt(token: string, secret: string, nowSeconds: number): Record<string, unknown> {
  const [head, body, signature] = token.split(".");
  if (!head || !body || !signature) throw new JwtRejected("PGRST301", "Expected 3 parts in JWT; got fewer");
  const header = parse(head);
  if (header.alg !== "HS256") throw new JwtRejected("PGRST301", "Wrong or unknown algorithm");
  const expected = createHmac("sha256", secret).update(`${head}.${body}`).digest();
  const given = Buffer.from(signature, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new JwtRejected("PGRST301", "JWSError JWSInvalidSignature");
  }
  const claims = parse(body);
  if (typeof claims.exp === "number" && claims.exp <= nowSeconds) throw new JwtRejected("PGRST303", "JWT expired");
  return claims;
}

function parse(part: string): Record<string, unknown> {
  try {
    const value = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    if (value && typeof value === "object" && !Array.isArray(value)) return value;
  } catch {}
  throw new JwtRejected("PGRST301", "JWSError (CompactDecodeError Invalid number of parts)");
}
