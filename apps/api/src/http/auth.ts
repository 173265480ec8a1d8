/**
 * Authentication: a list of strategies (API keys are added by their routes, the Supabase JWT one is built in)
 * fills `request.principal`; guards refuse what a route does not allow; failed and anonymous requests are
 * rate limited per IP so credentials cannot be guessed at speed.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { AppContext, AuthStrategy, Principal } from "../context.js";
import { ApiError } from "../errors.js";
import type { JwtVerifier } from "./jwt.js";
import { setResponseHeader } from "./response-headers.js";

declare module "fastify" {
  interface FastifyRequest {
    /** Who is calling; null for anonymous requests. */
    principal: Principal | null;
  }
  interface FastifyInstance {
    /** preHandler: 401 unless the request is authenticated. */
    requireUser: Guard;
    /** preHandler: 403 unless the principal's role is service_role. */
    requireServiceRole: Guard;
    /** preHandler factory: JWT principals pass; API-key principals need the scope (`*` and `resource:*` match). */
    requireScope(scope: string): Guard;
    /** The context route plugins also receive; here for helpers that only have the request (`withUser`). */
    appContext: AppContext;
  }
}

export type Guard = (request: FastifyRequest) => Promise<void>;

/** Marks guards so the OpenAPI document can say which operations need credentials. */
export const GUARD_KIND = Symbol("vx.guard");
type MarkedGuard = Guard & { [GUARD_KIND]?: "user" };

function marked(guard: Guard): Guard {
  (guard as MarkedGuard)[GUARD_KIND] = "user";
  return guard;
}

export function isAuthGuard(handler: unknown): boolean {
  return typeof handler === "function" && (handler as MarkedGuard)[GUARD_KIND] === "user";
}

export function requirePrincipal(request: FastifyRequest): Principal {
  if (!request.principal) {
    throw new ApiError("unauthorized", "This route needs credentials: Authorization: Bearer <token> or X-API-Key");
  }
  return request.principal;
}

export const requireUser: Guard = marked(async (request) => {
  requirePrincipal(request);
});

export const requireServiceRole: Guard = marked(async (request) => {
  if (requirePrincipal(request).role !== "service_role") {
    throw new ApiError("forbidden", "This route is for the service role only");
  }
});

export function requireScope(scope: string): Guard {
  return marked(async (request) => {
    const principal = requirePrincipal(request);
    if (principal.auth === "jwt") return;
    if (!hasScope(principal.scopes ?? [], scope)) {
      throw new ApiError("insufficient_scope", `This API key lacks the "${scope}" scope`);
    }
  });
}

/** `*` grants everything, `webhooks:*` grants every `webhooks:…` scope, otherwise an exact match. */
export function hasScope(granted: readonly string[], needed: string): boolean {
  const resource = needed.split(":")[0];
  return granted.some((scope) => scope === "*" || scope === needed || scope === `${resource}:*`);
}

/** The token of `Authorization: Bearer <token>`, or undefined. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

export function createJwtStrategy(verify: JwtVerifier): AuthStrategy {
  return async (request) => {
    const token = bearerToken(request);
    // `vx_` tokens are API keys: another strategy's business.
    if (!token || token.startsWith("vx_")) return null;
    const verified = await verify(token);
    return { userId: verified.userId, role: verified.role, auth: "jwt", claims: verified.claims };
  };
}

export interface RateCheck {
  exceeded: boolean;
  limit: number;
  remaining: number;
  resetSeconds: number;
}

export interface AuthOptions {
  /** Built-in strategies, consulted after the added ones. */
  builtIn: AuthStrategy[];
  /** Runs for JWT principals before the request goes on (auth.users upsert on the bootstrap schema). */
  onJwtPrincipal?: (principal: Principal) => Promise<void>;
  /** Counts one anonymous or failed-auth request from this client; undefined disables the limit. */
  checkRate?: (request: FastifyRequest) => Promise<RateCheck>;
}

export interface AuthController {
  addStrategy(strategy: AuthStrategy): void;
}

/** Installs the `onRequest` authentication hook, the `principal` request field and the guard decorators. */
export function installAuth(app: FastifyInstance, options: AuthOptions): AuthController {
  const added: AuthStrategy[] = [];
  app.decorateRequest("principal", null);
  app.decorate("requireUser", requireUser);
  app.decorate("requireServiceRole", requireServiceRole);
  app.decorate("requireScope", requireScope);

  app.addHook("onRequest", async (request) => {
    let principal: Principal | null = null;
    let failure: unknown;
    try {
      principal = await authenticate(request, [...added, ...options.builtIn]);
      if (principal?.auth === "jwt") await options.onJwtPrincipal?.(principal);
    } catch (error) {
      failure = error;
      principal = null;
    }
    if (!principal && options.checkRate && request.routeOptions.config?.rateLimit !== false) {
      const rate = await options.checkRate(request);
      if (rate.exceeded) {
        setResponseHeader(request, "retry-after", rate.resetSeconds);
        setResponseHeader(request, "x-ratelimit-limit", rate.limit);
        setResponseHeader(request, "x-ratelimit-remaining", 0);
        setResponseHeader(request, "x-ratelimit-reset", rate.resetSeconds);
        throw new ApiError(
          "rate_limited",
          `Too many unauthenticated or failed-auth requests from this address; retry in ${rate.resetSeconds} s`,
        );
      }
    }
    if (failure) throw failure;
    request.principal = principal;
  });

  return {
    addStrategy(strategy) {
      added.push(strategy);
    },
  };
}

async function authenticate(request: FastifyRequest, strategies: AuthStrategy[]): Promise<Principal | null> {
  const presented = request.headers.authorization !== undefined || request.headers["x-api-key"] !== undefined;
  if (!presented) return null;
  for (const strategy of strategies) {
    const principal = await strategy(request);
    if (principal) return principal;
  }
  throw new ApiError(
    "unsupported_credentials",
    "The credentials were not recognised: send Authorization: Bearer <Supabase JWT> or an API key",
  );
}
