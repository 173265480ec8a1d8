/** Development tokens: HS256 JWTs shaped like Supabase's, signed with the configured (or development) secret. */
import { SignJWT } from "jose";
import type { PrincipalRole } from "./context.js";

export interface SignTokenOptions {
  userId: string;
  secret: string;
  audience?: string;
  role?: PrincipalRole;
  /** jose duration ("1h", "30m", "7d") or seconds; default "1h". */
  expiresIn?: string | number;
  now?: () => Date;
  claims?: Record<string, unknown>;
}

export async function signToken(options: SignTokenOptions): Promise<string> {
  const now = options.now?.() ?? new Date();
  const issuedAt = Math.floor(now.getTime() / 1000);
  const expiresIn = options.expiresIn ?? "1h";
  return (
    new SignJWT({ role: options.role ?? "authenticated", ...options.claims })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(options.userId)
      .setAudience(options.audience ?? "authenticated")
      .setIssuedAt(issuedAt)
      // A relative expiry is counted from the injected clock, not the wall clock.
      .setExpirationTime(typeof expiresIn === "number" ? issuedAt + expiresIn : relativeTo(issuedAt, expiresIn))
      .setIssuer("vx-dev")
      .sign(new TextEncoder().encode(options.secret))
  );
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** Seconds since the epoch `duration` after `from`; accepts `90s`, `30m`, `1h`, `7d`. */
export function relativeTo(from: number, duration: string): number {
  const match = /^(\d+)\s*([smhd])$/.exec(duration.trim());
  if (!match) throw new RangeError(`expiry must look like 90s, 30m, 1h or 7d, got "${duration}"`);
  return from + Number(match[1]) * UNITS[match[2]!]!;
}
