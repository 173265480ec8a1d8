/** Runs database work as the calling user through row level security: the only way routes touch user data. */
import type { Queryable } from "@vx/db";
import type { FastifyRequest } from "fastify";
import { requirePrincipal } from "./auth.js";
import { readsFromReplica } from "./replica-routes.js";

/**
 * `ctx.db.asUser(principal.userId, work)` with the principal's claims: role `authenticated`, so RLS decides
 * what `work` can see even if a route forgets a `user_id` filter. Listings and stats named in
 * `REPLICA_READ_ROUTES` run as a read-only transaction, on the read replica when one is configured.
 */
export function withUser<T>(request: FastifyRequest, work: (tx: Queryable) => Promise<T>): Promise<T> {
  const principal = requirePrincipal(request);
  const claims = { ...principal.claims, role: "authenticated" };
  if (principal.keyId) Object.assign(claims, { api_key_id: principal.keyId });
  const db = request.server.appContext.db;
  return readsFromReplica(request.method, request.routeOptions.url)
    ? db.readAsUser(principal.userId, work, claims)
    : db.asUser(principal.userId, work, claims);
}
