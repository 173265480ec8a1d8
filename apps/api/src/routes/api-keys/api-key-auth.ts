/**
 * The API-key auth strategy: `Authorization: Bearer vx_…` or `X-API-Key: vx_…` on any /v1 route is one
 * verification (one SQL statement, coalesced with concurrent ones) that checks the route's scope, counts the
 * request, and answers with RateLimit-* headers; refusals are 401, 403 or 429 problems.
 */
import type { ApiKeyService, VerifyResult } from "@vx/api-keys";
import type { FastifyRequest } from "fastify";
import type { Counter } from "prom-client";
import { ApiError, type AuthStrategy, bearerToken, type Principal, setResponseHeader } from "../../route-kit.js";
import type { ApiKeyProblemCode } from "./errors.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /**
     * The scopes an API key needs for this route, checked in the verification itself (so a refusal costs
     * nothing), e.g. `config: { apiKeyScopes: ["events:write"] }`; `[]` lets any valid key in. Without it, see
     * `requiredScopes`.
     */
    apiKeyScopes?: string[];
  }
}

const MANAGEMENT_PREFIX = "/v1/api-keys";

/** The presented API key: a `vx_` bearer token, or X-API-Key when no other Authorization is given. */
export function presentedKey(request: FastifyRequest): string | undefined {
  const bearer = bearerToken(request);
  if (bearer?.startsWith("vx_")) return bearer;
  if (request.headers.authorization !== undefined) return undefined; // a JWT (or other scheme) takes precedence
  const header = request.headers["x-api-key"];
  return typeof header === "string" ? header.trim() : undefined;
}

/** Resources whose routes follow the `<resource>:read|write` convention (the scopes listed in the README). */
const CONVENTIONAL_RESOURCES = new Set(["webhooks", "events", "ivr"]);

/**
 * The scopes a route needs from an API key, checked inside the verification statement so a refused request
 * costs nothing: the route's `config.apiKeyScopes`, else for /v1/webhooks, /v1/events and /v1/ivr
 * `<resource>:read` on GET/HEAD/OPTIONS and `<resource>:write` otherwise. Other routes need none here; their
 * own `requireScope` guard still applies afterwards.
 */
export function requiredScopes(request: FastifyRequest): string[] {
  const configured = request.routeOptions.config?.apiKeyScopes;
  if (configured) return configured;
  const url = request.routeOptions.url;
  if (!url?.startsWith("/v1/")) return [];
  const resource = url.split("/")[2] ?? "";
  if (!CONVENTIONAL_RESOURCES.has(resource)) return [];
  const action = ["GET", "HEAD", "OPTIONS"].includes(request.method) ? "read" : "write";
  return [`${resource}:${action}`];
}

export interface ApiKeyAuthOptions {
  service: ApiKeyService;
  now: () => Date;
  verifications?: Counter<"code">;
}

export function createApiKeyStrategy(options: ApiKeyAuthOptions): AuthStrategy {
  return async (request) => {
    const key = presentedKey(request);
    if (key === undefined) return null;
    if (request.routeOptions.url?.startsWith(MANAGEMENT_PREFIX)) {
      // Keys must not mint or revoke keys: a leaked key could otherwise entrench itself.
      throw new ApiError<ApiKeyProblemCode>(
        "api_key_not_allowed",
        "Managing API keys needs a user token (Supabase JWT)",
      );
    }
    // Unknown routes (404) only check the key: nothing is served, so nothing is counted.
    const cost = request.routeOptions.url ? 1 : 0;
    const result = await options.service.verifyApiKey(key, { scopes: requiredScopes(request), cost });
    options.verifications?.inc({ code: result.code });
    const now = options.now();
    setRateLimitHeaders(request, result, now);
    const retrySeconds = result.retryAt === undefined ? undefined : secondsUntilRetry(result.retryAt, now);
    if (retrySeconds !== undefined) setResponseHeader(request, "retry-after", retrySeconds);
    return accept(result, retrySeconds);
  };
}

/** Retry-After: whole seconds to `retryAt`, at least 1 so that a client at the hour's edge never spins. */
function secondsUntilRetry(retryAt: number, now: Date): number {
  return Math.max(1, Math.ceil((retryAt - now.getTime()) / 1000));
}

function setRateLimitHeaders(request: FastifyRequest, result: VerifyResult, now: Date): void {
  if (!result.ratelimit) return;
  const resetSeconds = Math.max(0, Math.ceil((result.ratelimit.reset - now.getTime()) / 1000));
  setResponseHeader(request, "ratelimit-limit", result.ratelimit.limit);
  setResponseHeader(request, "ratelimit-remaining", result.ratelimit.remaining);
  setResponseHeader(request, "ratelimit-reset", resetSeconds);
}

function accept(result: VerifyResult, retrySeconds: number | undefined): Principal {
  switch (result.code) {
    case "VALID": {
      const key = result.key!;
      return { userId: key.user_id, role: "authenticated", auth: "api_key", keyId: key.id, scopes: key.scopes };
    }
    case "MALFORMED":
      throw new ApiError<ApiKeyProblemCode>("api_key_malformed", "The API key is malformed (wrong format or checksum)");
    case "NOT_FOUND":
      throw new ApiError<ApiKeyProblemCode>("api_key_unknown", "The API key is not known");
    case "DISABLED":
      throw new ApiError<ApiKeyProblemCode>("api_key_disabled", "The API key has been revoked");
    case "EXPIRED":
      throw new ApiError<ApiKeyProblemCode>("api_key_expired", "The API key has expired");
    case "USAGE_EXCEEDED":
      // For the lifetime quota Retry-After (the next hour boundary) is a back-off hint, not a promise: the earliest
      // moment worth asking again, in case an owner has raised usage_quota meanwhile. For credits it is the refill.
      throw new ApiError<ApiKeyProblemCode>(
        "usage_exceeded",
        `The API key's usage quota or credits are spent; raise usage_quota or use another key, or wait for the credits' refill (retry no sooner than in ${retrySeconds} s)`,
      );
    case "RATE_LIMITED": {
      const limit = result.ratelimits?.find((l) => l.exceeded)?.name ?? "rate_limit";
      const which = limit === "rate_limit" ? "hourly rate limit" : `rate limit "${limit}"`;
      throw new ApiError("rate_limited", `The API key's ${which} is reached; retry in ${retrySeconds} s`);
    }
    case "INSUFFICIENT_SCOPE":
      throw new ApiError("insufficient_scope", "The API key lacks a scope this route needs");
  }
}
