/** What every route plugin and worker receives: the database, config, logger, clock, metrics and extension points. */

import type { IncomingMessage, ServerResponse } from "node:http";
import type { Database } from "@vx/db";
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest, RawServerDefault } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { Config } from "./config.js";

/** The database role a principal's work runs as: `authenticated` goes through RLS, `service_role` bypasses it. */
export type PrincipalRole = "authenticated" | "service_role";

/** Who is calling. Set on `request.principal` by the first auth strategy that recognises the credentials. */
export interface Principal {
  /** `auth.users.id`: the JWT `sub`, or the owner of the API key. */
  userId: string;
  role: PrincipalRole;
  auth: "jwt" | "api_key";
  /** API-key scopes such as `webhooks:write`; `*` and `webhooks:*` are wildcards. JWT principals have none (all allowed). */
  scopes?: string[];
  keyId?: string;
  /** Extra claims handed to Postgres as `request.jwt.claims` by `withUser` (role and sub are always set by it). */
  claims?: Record<string, unknown>;
}

/**
 * One way to authenticate. Return null when the credentials are not yours (the next strategy is tried);
 * return a principal to accept; throw an error whose `code` is registered (e.g. 401/429) to refuse.
 * To send response headers (rate-limit headers, Retry-After), call `setResponseHeader(request, name, value)`:
 * they are applied to the reply whether the request is accepted or refused.
 */
export type AuthStrategy = (request: FastifyRequest) => Promise<Principal | null>;

/** How an error `code` becomes an HTTP problem: its status and (optionally) a human title. */
export interface ErrorMapping {
  status: number;
  title?: string;
}

export interface AppContext {
  db: Database;
  config: Config;
  log: Logger;
  /** The clock: use it instead of `new Date()` so tests control time. */
  now: () => Date;
  metrics: {
    /** Register domain counters here; `/metrics` serves this registry. */
    registry: Registry;
  };
  auth: {
    /** Added strategies run before the built-in JWT one, in the order added. */
    addStrategy(strategy: AuthStrategy): void;
  };
  errors: {
    /** Map error codes to HTTP statuses. Registering one code twice with different statuses throws. */
    register(map: Record<string, ErrorMapping>): void;
  };
}

/** A Fastify instance typed with the zod type provider: what route plugins receive. */
export type ZodApp = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** The shape of `src/routes/<domain>/index.ts`: registered under `/v1` by the app. */
export type RoutePlugin = (app: ZodApp, ctx: AppContext) => Promise<void>;
