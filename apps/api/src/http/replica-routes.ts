/**
 * The routes whose database work may run on the read replica (DATABASE_READ_URL): read-heavy listings and stats.
 * One list, so what can read stale data is decided in one place. Everything else, and all writes, API-key
 * verifications and background work, runs on the primary. A replica lags by up to its replication delay, so a
 * key created a moment ago may be missing from a listing served by it; single-resource GETs stay on the primary.
 */
export const REPLICA_READ_ROUTES: ReadonlySet<string> = new Set([
  "GET /v1/api-keys",
  "GET /v1/api-keys/:id/stats",
  "GET /v1/webhooks",
  "GET /v1/webhooks/:id/logs",
  "GET /v1/ivr/menus",
  "GET /v1/audit-logs",
]);

/** Whether a route (`GET /v1/webhooks/:id/logs`, as Fastify names it) may read from the replica. */
export function readsFromReplica(method: string, routeUrl: string | undefined): boolean {
  return routeUrl !== undefined && REPLICA_READ_ROUTES.has(`${method} ${routeUrl}`);
}
