/** Verifies Supabase JWTs locally with jose: HS256 with the project secret, or asymmetric keys from the project's JWKS. */
import { createRemoteJWKSet, decodeProtectedHeader, errors, type JWTPayload, jwtVerify } from "jose";
import { ApiError } from "../errors.js";

export interface JwtVerifierOptions {
  /** HS256 secret (SUPABASE_JWT_SECRET or the development secret). */
  secret?: string;
  /** Supabase project URL: keys come from `<url>/auth/v1/.well-known/jwks.json`, cached by jose. */
  supabaseUrl?: string;
  audience: string;
  now: () => Date;
}

export interface VerifiedToken {
  userId: string;
  role: "authenticated" | "service_role";
  claims: JWTPayload & Record<string, unknown>;
}

const ASYMMETRIC = ["RS256", "ES256", "EdDSA"];
const ACCEPTED = ["HS256", ...ASYMMETRIC].join(", ");
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type JwtVerifier = (token: string) => Promise<VerifiedToken>;

export function createJwtVerifier(options: JwtVerifierOptions): JwtVerifier {
  const secret = options.secret ? new TextEncoder().encode(options.secret) : undefined;
  const jwks = options.supabaseUrl
    ? createRemoteJWKSet(new URL(`${options.supabaseUrl}/auth/v1/.well-known/jwks.json`), {
        cacheMaxAge: 10 * 60_000,
        cooldownDuration: 30_000,
      })
    : undefined;

  return async (token) => {
    const alg = algorithmOf(token);
    const verifyOptions = {
      audience: options.audience,
      currentDate: options.now(),
      requiredClaims: ["exp", "sub"],
    };
    let payload: JWTPayload;
    try {
      if (alg !== "HS256" && !ASYMMETRIC.includes(alg)) {
        // Checked first: a token signed with `none` or HS512 is refused for what it is, whatever is configured.
        throw new ApiError(
          "invalid_token",
          `The token's signing algorithm ${JSON.stringify(alg.slice(0, 20))} is not accepted (accepted: ${ACCEPTED})`,
        );
      }
      if (alg === "HS256") {
        if (!secret)
          throw new ApiError("invalid_token", "HS256 tokens are not accepted: no SUPABASE_JWT_SECRET is configured");
        ({ payload } = await jwtVerify(token, secret, { ...verifyOptions, algorithms: ["HS256"] }));
      } else {
        if (!jwks) throw new ApiError("invalid_token", `${alg} tokens are not accepted: no SUPABASE_URL is configured`);
        ({ payload } = await verifyWithKeySet(token, jwks, { ...verifyOptions, algorithms: ASYMMETRIC }));
      }
    } catch (error) {
      throw toApiError(error, options.audience);
    }
    return toVerified(payload);
  };
}

type KeySet = ReturnType<typeof createRemoteJWKSet>;
type VerifyOptions = Parameters<typeof jwtVerify>[2];

/**
 * jose refuses a token whose header matches several keys of the set (no `kid`, or one `kid` on two keys during a
 * rotation). Try each matching key in turn, as jose documents. The token is refused only if none verifies it.
 */
async function verifyWithKeySet(token: string, jwks: KeySet, options: VerifyOptions) {
  try {
    return await jwtVerify(token, jwks, options);
  } catch (error) {
    if (!(error instanceof errors.JWKSMultipleMatchingKeys)) throw error;
    for await (const key of error) {
      try {
        return await jwtVerify(token, key, options);
      } catch (attempt) {
        if (!(attempt instanceof errors.JWSSignatureVerificationFailed)) throw attempt;
      }
    }
    throw new errors.JWSSignatureVerificationFailed();
  }
}

function algorithmOf(token: string): string {
  try {
    const header = decodeProtectedHeader(token);
    if (typeof header.alg === "string") return header.alg;
  } catch {
    throw new ApiError("invalid_token", "The bearer token is not a well-formed JWT");
  }
  throw new ApiError("invalid_token", 'The token\'s header names no signing algorithm ("alg")');
}

function toVerified(payload: JWTPayload): VerifiedToken {
  const sub = payload.sub ?? "";
  if (!UUID.test(sub)) throw new ApiError("invalid_token", 'The token\'s "sub" claim must be a user id (UUID)');
  const role = payload.role ?? "authenticated";
  if (role !== "authenticated" && role !== "service_role") {
    throw new ApiError("invalid_token", `Tokens with role "${String(role)}" cannot call this API`);
  }
  return { userId: sub.toLowerCase(), role, claims: payload as VerifiedToken["claims"] };
}

/** jose's claim failures in words: which claim, and what is wrong with it. */
function claimMessage(claim: string, reason: string, audience: string): string {
  if (reason === "missing") return `The token has no "${claim}" claim, which this API requires`;
  if (claim === "aud") return `The token's "aud" claim is not "${audience}" (JWT_AUDIENCE)`;
  if (claim === "nbf") return 'The token is not valid yet ("nbf" is in the future)';
  return `The token's "${claim}" claim is not accepted (${reason})`;
}

function toApiError(error: unknown, audience: string): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof errors.JWTExpired)
    return new ApiError("token_expired", "The token has expired", { cause: error });
  if (error instanceof errors.JWTClaimValidationFailed) {
    return new ApiError("invalid_token", claimMessage(error.claim, error.reason, audience), { cause: error });
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new ApiError("invalid_token", "The token's signature is not valid", { cause: error });
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return new ApiError("invalid_token", "The token's signing algorithm is not accepted", { cause: error });
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return new ApiError("invalid_token", "No key in the project's JWKS matches the token", { cause: error });
  }
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || error instanceof TypeError) {
    // The key set could not be fetched: our outage, not the caller's bad token.
    return new ApiError("service_unavailable", "The signing keys could not be fetched", { cause: error });
  }
  return new ApiError("invalid_token", "The bearer token is not a valid JWT", { cause: error });
}
