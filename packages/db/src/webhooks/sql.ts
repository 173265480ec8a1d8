/**
 * Every statement PgWebhookRepository runs, one named query per operation (the atomic ones live in migrations 005
 * and 009).
 */
import { WebhookError } from "@vx/webhooks";

const WEBHOOK_COLUMNS = `id, user_id, agent_id, url, events, secret, enabled, retry_count, last_triggered_at,
  last_status, last_error, headers, channels, rate_limit_per_second, created_at, updated_at`;

const MESSAGE_COLUMNS = `id, event_id, webhook_id, user_id, event, status, attempts, max_attempts, due_at, last_error,
  delivered_at, created_at`;

export const sql = {
  createWebhook: `
    INSERT INTO public.webhooks (user_id, agent_id, url, events, secret, enabled, retry_count, headers, channels,
      rate_limit_per_second)
    VALUES ($1, $2, $3, $4, $5, coalesce($6, true), coalesce($7, 7), coalesce($8::jsonb, '{}'), $9, $10)
    RETURNING ${WEBHOOK_COLUMNS}`,

  getWebhookById: `
    SELECT ${WEBHOOK_COLUMNS} FROM public.webhooks
    WHERE id = $1 AND ($2::uuid IS NULL OR user_id = $2)`,

  /** Filters: $1 user, $2 whether to filter on agent, $3 agent (null = webhooks for all agents), $4 enabled, $5 event. */
  getWebhooks: `
    SELECT ${WEBHOOK_COLUMNS} FROM public.webhooks
    WHERE ($1::uuid IS NULL OR user_id = $1)
      AND (NOT $2::boolean OR agent_id IS NOT DISTINCT FROM $3::uuid)
      AND ($4::boolean IS NULL OR enabled = $4)
      AND ($5::text IS NULL OR events && public.vx_webhook_event_patterns($5))
    ORDER BY created_at DESC, id`,

  /** Each field is set only when its flag is true, so one statement serves every partial update. */
  updateWebhook: `
    UPDATE public.webhooks SET
      agent_id = CASE WHEN $3::boolean THEN $4::uuid ELSE agent_id END,
      url = coalesce($5, url),
      events = coalesce($6, events),
      enabled = coalesce($7, enabled),
      retry_count = coalesce($8, retry_count),
      headers = coalesce($9::jsonb, headers),
      channels = CASE WHEN $10::boolean THEN $11::text[] ELSE channels END,
      rate_limit_per_second = CASE WHEN $12::boolean THEN $13::integer ELSE rate_limit_per_second END
    WHERE id = $1 AND ($2::uuid IS NULL OR user_id = $2)
    RETURNING ${WEBHOOK_COLUMNS}`,

  deleteWebhook: `DELETE FROM public.webhooks WHERE id = $1 AND ($2::uuid IS NULL OR user_id = $2)`,

  rotateSecret: `SELECT ${WEBHOOK_COLUMNS} FROM public.vx_webhook_rotate_secret($1, $2, $3, $4)`,

  /**
   * A log row is an attempt, so the same statement brings the webhook's last_* columns up to date. The statement
   * lives in migration 010, shared with the Supabase adapter's rpc.
   */
  createWebhookLog: "SELECT * FROM public.vx_webhook_create_log($1, $2, $3, $4, $5, $6, $7, $8, $9)",

  /** Newest first, after a position (migration 013, shared with the Supabase adapter's rpc). */
  getWebhookLogs: "SELECT * FROM public.vx_webhook_logs($1, $2, $3, $4, $5, $6)",

  getSigningSecrets: "SELECT public.vx_webhook_signing_secrets($1, $2, $3) AS secrets",

  enqueue: "SELECT event_id, deliveries, duplicate FROM public.vx_webhook_enqueue($1, $2, $3, $4, $5, $6, $7)",

  /** Several events in one statement (arrays in input order); one row per event with its `ord` from 1. */
  enqueueBatch: `
    SELECT ord, event_id, deliveries, duplicate
    FROM public.vx_webhook_enqueue_batch($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::timestamptz[],
      $7::jsonb)
    ORDER BY ord`,

  claim: "SELECT * FROM public.vx_webhook_claim($1, $2, $3, $4)",

  record: "SELECT public.vx_webhook_record($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) AS applied",

  recover: "SELECT public.vx_webhook_recover($1, $2, $3, $4) AS recovered",

  replay: `SELECT ${MESSAGE_COLUMNS} FROM public.vx_webhook_replay($1, $2, $3)`,

  getMessage: `
    SELECT ${MESSAGE_COLUMNS} FROM public.webhook_messages
    WHERE id = $1 AND ($2::uuid IS NULL OR user_id = $2)`,

  /**
   * Newest first. $4/$5: the last message of the previous page. `created_at` is written from the service's clock
   * (milliseconds), so the position a JS Date carries is exact.
   */
  listMessages: `
    SELECT ${MESSAGE_COLUMNS} FROM public.webhook_messages
    WHERE webhook_id = $1 AND ($2::uuid IS NULL OR user_id = $2)
      AND ($3::text IS NULL OR status = $3)
      AND ($4::timestamptz IS NULL OR (created_at, id) < ($4, $5::uuid))
    ORDER BY created_at DESC, id DESC
    LIMIT $6`,

  /** Each attempt's log row has the id vx_webhook_attempt_id(message, attempt): primary-key lookups, no scan. */
  getMessageAttempts: `
    SELECT l.* FROM public.webhook_messages m
    CROSS JOIN LATERAL generate_series(1, m.attempts) AS n (attempt)
    JOIN public.webhook_logs l ON l.id = public.vx_webhook_attempt_id(m.id, n.attempt)
    WHERE m.id = $1 AND ($2::uuid IS NULL OR m.user_id = $2)
    ORDER BY l.attempt_number`,

  queueStats: "SELECT depth, due, oldest_due_at FROM public.vx_webhook_queue_stats($1)",

  /** Hourly counts and latency percentiles from the logs (migration 016, shared with the Supabase adapter's rpc). */
  getStats: "SELECT * FROM public.vx_webhook_stats($1, $2, $3, $4)",

  /** Bounded, and SKIP LOCKED: retention never waits on, nor blocks, live deliveries (migration 010). */
  purgeEvents: "SELECT public.vx_webhook_purge_events($1, $2) AS purged",
} as const;

/** The SQLSTATE vx_webhook_enqueue raises when an idempotency key comes back with another request (migration 013). */
export const IDEMPOTENCY_KEY_REUSED = "VX409";

export function idempotencyKeyReused(cause: unknown): WebhookError {
  return new WebhookError("idempotency_key_reused", "this idempotency key was used for another request", { cause });
}
