/** PgWebhookRepository: the webhooks port on Postgres or PGlite, written against `Queryable`. */
import {
  type AttemptRecord,
  type ClaimedMessage,
  type ClaimOptions,
  type EnqueueInput,
  type EnqueueResult,
  type LogPosition,
  type MessageListOptions,
  type NewWebhook,
  type NewWebhookLog,
  type QueueStats,
  type RecordOptions,
  type Webhook,
  WebhookError,
  type WebhookFilters,
  type WebhookLog,
  type WebhookMessage,
  type WebhookRepository,
  type WebhookStatsBucket,
  type WebhookUpdates,
} from "@vx/webhooks";
import { Database } from "../database.js";
import type { Queryable } from "../queryable.js";
import { EnqueueBatcher } from "./enqueue-batcher.js";
import { IDEMPOTENCY_KEY_REUSED, idempotencyKeyReused, sql } from "./sql.js";

export class PgWebhookRepository implements WebhookRepository<Queryable> {
  /** On a pool, enqueues made at the same time (without a caller's transaction) share one statement and commit. */
  private readonly batcher?: EnqueueBatcher;

  constructor(private readonly db: Queryable) {
    if (db instanceof Database) {
      this.batcher = new EnqueueBatcher(db, sql.enqueueBatch, (input) => this.enqueueOne(input));
    }
  }

  async createWebhook(data: NewWebhook): Promise<Webhook> {
    const { rows } = await this.run<Webhook>(sql.createWebhook, [
      data.user_id,
      data.agent_id ?? null,
      data.url,
      data.events,
      data.secret,
      data.enabled ?? null,
      data.retry_count ?? null,
      data.headers ? JSON.stringify(data.headers) : null,
      data.channels ?? null,
      data.rate_limit_per_second ?? null,
    ]);
    return rows[0]!;
  }

  async getWebhookById(id: string, userId?: string): Promise<Webhook | null> {
    const { rows } = await this.run<Webhook>(sql.getWebhookById, [id, userId ?? null]);
    return rows[0] ?? null;
  }

  async getWebhooks(filters: WebhookFilters = {}): Promise<Webhook[]> {
    const { rows } = await this.run<Webhook>(sql.getWebhooks, [
      filters.user_id ?? null,
      filters.agent_id !== undefined,
      filters.agent_id ?? null,
      filters.enabled ?? null,
      filters.event ?? null,
    ]);
    return rows;
  }

  async updateWebhook(id: string, updates: WebhookUpdates, userId?: string): Promise<Webhook | null> {
    const { rows } = await this.run<Webhook>(sql.updateWebhook, [
      id,
      userId ?? null,
      updates.agent_id !== undefined,
      updates.agent_id ?? null,
      updates.url ?? null,
      updates.events ?? null,
      updates.enabled ?? null,
      updates.retry_count ?? null,
      updates.headers ? JSON.stringify(updates.headers) : null,
      updates.channels !== undefined,
      updates.channels ?? null,
      updates.rate_limit_per_second !== undefined,
      updates.rate_limit_per_second ?? null,
    ]);
    return rows[0] ?? null;
  }

  async deleteWebhook(id: string, userId?: string): Promise<boolean> {
    return (await this.run(sql.deleteWebhook, [id, userId ?? null])).rowCount > 0;
  }

  async rotateSecret(id: string, secret: string, previousValidUntil: Date, userId?: string): Promise<Webhook | null> {
    const { rows } = await this.run<Webhook>(sql.rotateSecret, [id, userId ?? null, secret, previousValidUntil]);
    return rows[0] ?? null;
  }

  async createWebhookLog(log: NewWebhookLog): Promise<WebhookLog> {
    const { rows } = await this.run<WebhookLog>(sql.createWebhookLog, [
      log.webhook_id,
      log.event,
      JSON.stringify(log.payload ?? {}),
      log.status_code ?? null,
      log.response_body ?? null,
      log.error ?? null,
      log.attempt_number ?? null,
      log.delivered_at ?? null,
      log.created_at ?? null,
    ]);
    return rows[0]!;
  }

  async getWebhookLogs(webhookId: string, limit = 50, userId?: string, before?: LogPosition): Promise<WebhookLog[]> {
    const { rows } = await this.run<WebhookLog>(sql.getWebhookLogs, [
      webhookId,
      userId ?? null,
      limit,
      before?.created_at ?? null,
      before?.attempt_number ?? null,
      before?.id ?? null,
    ]);
    return rows;
  }

  async getSigningSecrets(webhookId: string, now: Date, userId?: string): Promise<string[]> {
    const { rows } = await this.run<{ secrets: string[] | null }>(sql.getSigningSecrets, [
      webhookId,
      userId ?? null,
      now,
    ]);
    return rows[0]?.secrets ?? [];
  }

  /** Pass the caller's transaction as `tx` and the event commits or rolls back with it. */
  enqueue(input: EnqueueInput, tx?: Queryable): Promise<EnqueueResult> {
    return tx === undefined && this.batcher ? this.batcher.enqueue(input) : this.enqueueOne(input, tx);
  }

  private async enqueueOne(input: EnqueueInput, tx?: Queryable): Promise<EnqueueResult> {
    const { rows } = await this.run<EnqueueResult>(
      sql.enqueue,
      [
        input.user_id,
        input.agent_id,
        input.event,
        input.body,
        input.idempotency_key,
        input.now,
        input.channels ?? null,
      ],
      tx,
    );
    return rows[0]!;
  }

  async claim(options: ClaimOptions): Promise<ClaimedMessage[]> {
    const { rows } = await this.run<ClaimedMessage>(sql.claim, [
      options.workerId,
      options.limit,
      options.now,
      Math.round(options.leaseMs),
    ]);
    return rows;
  }

  async record(attempts: AttemptRecord[], options: RecordOptions): Promise<number> {
    if (attempts.length === 0) return 0;
    const { rows } = await this.run<{ applied: number }>(sql.record, [
      options.workerId,
      options.now,
      Math.round(options.disableAfterMs),
      attempts.map((a) => a.message_id),
      attempts.map((a) => a.attempt_number),
      attempts.map((a) => a.status_code),
      attempts.map((a) => a.response_body),
      attempts.map((a) => a.error),
      attempts.map((a) => a.outcome),
      attempts.map((a) => a.next_attempt_at),
      attempts.map((a) => a.disable_reason),
      attempts.map((a) => (a.duration_ms == null ? null : Math.round(a.duration_ms))),
    ]);
    return rows[0]!.applied;
  }

  async recover(webhookId: string, since: Date, now: Date, userId?: string): Promise<number> {
    const { rows } = await this.run<{ recovered: number }>(sql.recover, [webhookId, userId ?? null, since, now]);
    return rows[0]!.recovered;
  }

  async replay(messageId: string, now: Date, userId?: string): Promise<WebhookMessage | null> {
    const { rows } = await this.run<WebhookMessage>(sql.replay, [messageId, userId ?? null, now]);
    return rows[0] ?? null;
  }

  async getMessage(id: string, userId?: string): Promise<WebhookMessage | null> {
    const { rows } = await this.run<WebhookMessage>(sql.getMessage, [id, userId ?? null]);
    return rows[0] ?? null;
  }

  async listMessages(webhookId: string, options: MessageListOptions, userId?: string): Promise<WebhookMessage[]> {
    const { rows } = await this.run<WebhookMessage>(sql.listMessages, [
      webhookId,
      userId ?? null,
      options.status ?? null,
      options.after?.created_at ?? null,
      options.after?.id ?? null,
      options.limit,
    ]);
    return rows;
  }

  async getMessageAttempts(messageId: string, userId?: string): Promise<WebhookLog[]> {
    const { rows } = await this.run<WebhookLog>(sql.getMessageAttempts, [messageId, userId ?? null]);
    return rows;
  }

  async queueStats(now: Date): Promise<QueueStats> {
    const { rows } = await this.run<{ depth: string; due: string; oldest_due_at: Date | null }>(sql.queueStats, [now]);
    const row = rows[0]!;
    return {
      depth: Number(row.depth),
      due: Number(row.due),
      oldest_due_age_ms: row.oldest_due_at ? Math.max(0, now.getTime() - row.oldest_due_at.getTime()) : 0,
    };
  }

  async getStats(webhookId: string, since: Date, until: Date, userId?: string): Promise<WebhookStatsBucket[]> {
    const { rows } = await this.run<WebhookStatsBucket>(sql.getStats, [webhookId, userId ?? null, since, until]);
    return rows;
  }

  async purgeEvents(before: Date, limit: number): Promise<number> {
    return (await this.run<{ purged: number }>(sql.purgeEvents, [before, limit])).rows[0]!.purged;
  }

  private async run<R>(text: string, params: readonly unknown[], tx?: Queryable) {
    try {
      return await (tx ?? this.db).query<R>(text, params);
    } catch (error) {
      throw translate(error);
    }
  }
}

/** Postgres errors the caller can act on become WebhookErrors; anything else is a real failure and stays as is. */
function translate(error: unknown): unknown {
  const { code, constraint } = error as { code?: string; constraint?: string };
  if (code === "23503" && constraint === "webhooks_agent_id_fkey") {
    return new WebhookError("invalid_agent", "agent_id is not an agent of this user", { cause: error });
  }
  if (code === "23503" && constraint === "webhook_logs_webhook_id_fkey") {
    return new WebhookError("not_found", "no such webhook", { cause: error });
  }
  if (code === IDEMPOTENCY_KEY_REUSED) return idempotencyKeyReused(error);
  if (code === "42501") return new WebhookError("not_found", "no such webhook for this user", { cause: error });
  if (code === "23514" || code === "22P02" || code === "22001") {
    return new WebhookError("invalid_input", (error as Error).message, { cause: error });
  }
  return error;
}
