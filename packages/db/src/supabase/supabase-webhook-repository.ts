// SupabaseWebhookRepository: the webhooks port through PostgREST. Enqueue, claim, record, replay, recovery,
// secret rotation, logging an attempt and purging are the SQL functions the pg adapter runs, called through rpc.
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
  subscriptionsFor,
  type Webhook,
  WebhookError,
  type WebhookFilters,
  type WebhookLog,
  type WebhookMessage,
  type WebhookRepository,
  type WebhookStatsBucket,
  type WebhookUpdates,
} from "@vx/webhooks";
import { IDEMPOTENCY_KEY_REUSED, idempotencyKeyReused } from "../webhooks/sql.js";
import type { Json, TablesInsert } from "./database.types.js";
import {
  counted,
  data,
  iso,
  owned,
  pick,
  type RpcCall,
  rpc,
  SupabaseRequestError,
  type VxSupabaseClient,
  withDates,
} from "./postgrest.js";
import { afterRow, ascending, descending, readAll } from "./read-all.js";

const WEBHOOK_SELECT =
  "id,user_id,agent_id,url,events,secret,enabled,retry_count,last_triggered_at,last_status,last_error,headers,channels," +
  "rate_limit_per_second,created_at,updated_at";
/** Update fields a null sets (to every agent, no channels, unthrottled) instead of leaving alone. */
const NULLABLE_UPDATES = new Set(["agent_id", "channels", "rate_limit_per_second"]);
const WEBHOOK_DATES = ["last_triggered_at", "created_at", "updated_at"];
const MESSAGE_COLUMNS = [
  "id",
  "event_id",
  "webhook_id",
  "user_id",
  "event",
  "status",
  "attempts",
  "max_attempts",
  "due_at",
  "last_error",
  "delivered_at",
  "created_at",
];
const MESSAGE_DATES = ["due_at", "delivered_at", "created_at"];
const LOG_DATES = ["delivered_at", "created_at"];

type Row = Record<string, unknown>;
const toWebhook = (row: Row) => withDates<Webhook>(row, WEBHOOK_DATES);
const toMessage = (row: Row) => withDates<WebhookMessage>(pick(row, MESSAGE_COLUMNS), MESSAGE_DATES);
const toLog = (row: Row) => withDates<WebhookLog>(row, LOG_DATES);

/**
 * On a user's client RLS confines the user methods to that user's webhooks (and the rpc functions check the
 * caller); workers (claim, record, logs, stats, purge) need the service-role client.
 *
 * Transactions: each call is one HTTP request, so one transaction. `enqueue` cannot join a caller's
 * transaction (`Tx` is `never`): the event is atomic on its own, not with the caller's other writes.
 */
export class SupabaseWebhookRepository implements WebhookRepository<never> {
  constructor(private readonly client: VxSupabaseClient) {}

  async createWebhook(row: NewWebhook): Promise<Webhook> {
    // NewWebhook names the table's columns; the undefined-free copy lost that type on the way.
    const values = Object.fromEntries(
      Object.entries(row).filter(([, v]) => v !== undefined),
    ) as TablesInsert<"webhooks">;
    return toWebhook(await this.run(data<Row>(this.webhooks().insert(values).select(WEBHOOK_SELECT).single())));
  }

  async getWebhookById(id: string, userId?: string): Promise<Webhook | null> {
    const rows = await this.run(data<Row[]>(owned(this.webhooks().select(WEBHOOK_SELECT).eq("id", id), userId)));
    return rows[0] ? toWebhook(rows[0]) : null;
  }

  async getWebhooks(filters: WebhookFilters = {}): Promise<Webhook[]> {
    const rows = await this.run(
      readAll<Row>((last, want) => {
        let query = owned(this.webhooks().select(WEBHOOK_SELECT), filters.user_id);
        if (filters.agent_id === null) query = query.is("agent_id", null);
        else if (filters.agent_id !== undefined) query = query.eq("agent_id", filters.agent_id);
        if (filters.enabled !== undefined) query = query.eq("enabled", filters.enabled);
        if (filters.event !== undefined) query = query.overlaps("events", subscriptionsFor(filters.event));
        if (last) query = query.or(afterRow(descending("created_at", last), ascending("id", last)));
        return query.order("created_at", { ascending: false }).order("id", { ascending: true }).limit(want);
      }),
    );
    return rows.map(toWebhook);
  }

  async updateWebhook(id: string, updates: WebhookUpdates, userId?: string): Promise<Webhook | null> {
    // As in the pg adapter: agent_id, channels and the rate limit may be set to null; the other fields change only
    // when given a value.
    const values = Object.fromEntries(
      Object.entries(updates).filter(([k, v]) => v !== undefined && (v !== null || NULLABLE_UPDATES.has(k))),
    );
    if (Object.keys(values).length === 0) return this.getWebhookById(id, userId);
    const rows = await this.run(
      data<Row[]>(owned(this.webhooks().update(values).eq("id", id), userId).select(WEBHOOK_SELECT)),
    );
    return rows[0] ? toWebhook(rows[0]) : null;
  }

  async deleteWebhook(id: string, userId?: string): Promise<boolean> {
    return (await this.run(counted(owned(this.webhooks().delete({ count: "exact" }).eq("id", id), userId)))) > 0;
  }

  async rotateSecret(id: string, secret: string, previousValidUntil: Date, userId?: string): Promise<Webhook | null> {
    const rows = await this.rpc<Row[]>("vx_webhook_rotate_secret", {
      p_webhook_id: id,
      p_user_id: userId ?? null,
      p_secret: secret,
      p_previous_until: iso(previousValidUntil),
    });
    return rows[0] ? toWebhook(rows[0]) : null;
  }

  async createWebhookLog(log: NewWebhookLog): Promise<WebhookLog> {
    const rows = await this.rpc<Row[]>("vx_webhook_create_log", {
      p_webhook_id: log.webhook_id,
      p_event: log.event,
      // The port takes any JSON value: the service stores the parsed body.
      p_payload: (log.payload ?? {}) as Json,
      p_status_code: log.status_code ?? null,
      p_response_body: log.response_body ?? null,
      p_error: log.error ?? null,
      p_attempt_number: log.attempt_number ?? null,
      p_delivered_at: log.delivered_at ? iso(log.delivered_at) : null,
      p_created_at: log.created_at ? iso(log.created_at) : null,
    });
    return toLog(rows[0]!);
  }

  async getWebhookLogs(webhookId: string, limit = 50, userId?: string, before?: LogPosition): Promise<WebhookLog[]> {
    const rows = await this.rpc<Row[]>("vx_webhook_logs", {
      p_webhook_id: webhookId,
      p_user_id: userId ?? null,
      p_limit: limit,
      p_before_at: before ? iso(before.created_at) : null,
      p_before_attempt: before?.attempt_number ?? null,
      p_before_id: before?.id ?? null,
    });
    return rows.map(toLog);
  }

  async getSigningSecrets(webhookId: string, now: Date, userId?: string): Promise<string[]> {
    const secrets = await this.rpc<string[] | null>("vx_webhook_signing_secrets", {
      p_webhook_id: webhookId,
      p_user_id: userId ?? null,
      p_now: iso(now),
    });
    return secrets ?? [];
  }

  async enqueue(input: EnqueueInput, tx?: never): Promise<EnqueueResult> {
    if (tx !== undefined) throw new Error("SupabaseWebhookRepository cannot join a caller's transaction");
    const rows = await this.rpc<EnqueueResult[]>("vx_webhook_enqueue", {
      p_user_id: input.user_id,
      p_agent_id: input.agent_id,
      p_event: input.event,
      p_body: input.body,
      p_idempotency_key: input.idempotency_key,
      p_now: iso(input.now),
      p_channels: input.channels ?? null,
    });
    return rows[0]!;
  }

  async claim(options: ClaimOptions): Promise<ClaimedMessage[]> {
    return this.rpc<ClaimedMessage[]>("vx_webhook_claim", {
      p_worker: options.workerId,
      p_limit: options.limit,
      p_now: iso(options.now),
      p_lease_ms: Math.round(options.leaseMs),
    });
  }

  async record(attempts: AttemptRecord[], options: RecordOptions): Promise<number> {
    if (attempts.length === 0) return 0;
    return this.rpc<number>("vx_webhook_record", {
      p_worker: options.workerId,
      p_now: iso(options.now),
      p_disable_after_ms: Math.round(options.disableAfterMs),
      p_message_ids: attempts.map((a) => a.message_id),
      p_attempt_numbers: attempts.map((a) => a.attempt_number),
      p_status_codes: attempts.map((a) => a.status_code),
      p_response_bodies: attempts.map((a) => a.response_body),
      p_errors: attempts.map((a) => a.error),
      p_outcomes: attempts.map((a) => a.outcome),
      p_next_attempts: attempts.map((a) => (a.next_attempt_at ? iso(a.next_attempt_at) : null)),
      p_disable_reasons: attempts.map((a) => a.disable_reason),
      p_durations: attempts.map((a) => (a.duration_ms == null ? null : Math.round(a.duration_ms))),
    });
  }

  async recover(webhookId: string, since: Date, now: Date, userId?: string): Promise<number> {
    return this.rpc<number>("vx_webhook_recover", {
      p_webhook_id: webhookId,
      p_user_id: userId ?? null,
      p_since: iso(since),
      p_now: iso(now),
    });
  }

  async replay(messageId: string, now: Date, userId?: string): Promise<WebhookMessage | null> {
    const rows = await this.rpc<Row[]>("vx_webhook_replay", {
      p_message_id: messageId,
      p_user_id: userId ?? null,
      p_now: iso(now),
    });
    return rows[0] ? toMessage(rows[0]) : null;
  }

  async getMessage(id: string, userId?: string): Promise<WebhookMessage | null> {
    const rows = await this.run(data<Row[]>(owned(this.messages().eq("id", id), userId)));
    return rows[0] ? toMessage(rows[0]) : null;
  }

  async listMessages(webhookId: string, options: MessageListOptions, userId?: string): Promise<WebhookMessage[]> {
    let query = owned(this.messages().eq("webhook_id", webhookId), userId);
    if (options.status) query = query.eq("status", options.status);
    if (options.after) {
      // (created_at, id) < (after): PostgREST has no row comparison, so the same condition spelled out.
      const at = iso(options.after.created_at);
      query = query.or(`created_at.lt.${at},and(created_at.eq.${at},id.lt.${options.after.id})`);
    }
    const rows = await this.run(
      data<Row[]>(
        query.order("created_at", { ascending: false }).order("id", { ascending: false }).limit(options.limit),
      ),
    );
    return rows.map(toMessage);
  }

  async getMessageAttempts(messageId: string, userId?: string): Promise<WebhookLog[]> {
    const rows = await this.rpc<Row[]>("vx_webhook_message_attempts", {
      p_message_id: messageId,
      p_user_id: userId ?? null,
    });
    return rows.map(toLog);
  }

  async queueStats(now: Date): Promise<QueueStats> {
    const [row] = await this.rpc<Array<{ depth: number; due: number; oldest_due_at: string | null }>>(
      "vx_webhook_queue_stats",
      { p_now: iso(now) },
    );
    const oldest = row?.oldest_due_at ? new Date(row.oldest_due_at).getTime() : null;
    return {
      depth: Number(row?.depth ?? 0),
      due: Number(row?.due ?? 0),
      oldest_due_age_ms: oldest === null ? 0 : Math.max(0, now.getTime() - oldest),
    };
  }

  async getStats(webhookId: string, since: Date, until: Date, userId?: string): Promise<WebhookStatsBucket[]> {
    const rows = await this.rpc<Row[]>("vx_webhook_stats", {
      p_webhook_id: webhookId,
      p_user_id: userId ?? null,
      p_since: iso(since),
      p_until: iso(until),
    });
    return rows.map((row) => withDates<WebhookStatsBucket>(row, ["hour"]));
  }

  async purgeEvents(before: Date, limit: number): Promise<number> {
    return this.rpc<number>("vx_webhook_purge_events", { p_before: iso(before), p_limit: limit });
  }

  private webhooks() {
    return this.client.from("webhooks");
  }

  private messages() {
    return this.client.from("webhook_messages").select(MESSAGE_COLUMNS.join(","));
  }

  private rpc<T>(...call: RpcCall): Promise<T> {
    return this.run(data<T>(rpc(this.client, ...call)));
  }

  private async run<T>(request: Promise<T>): Promise<T> {
    try {
      return await request;
    } catch (error) {
      throw translate(error);
    }
  }
}

/** The same WebhookErrors as the pg adapter, from PostgREST's error body (SQLSTATE in `code`). */
function translate(error: unknown): unknown {
  if (!(error instanceof SupabaseRequestError)) return error;
  const { code, constraint } = error;
  if (code === "23503" && constraint === "webhooks_agent_id_fkey") {
    return new WebhookError("invalid_agent", "agent_id is not an agent of this user", { cause: error });
  }
  if (code === "23503" && constraint === "webhook_logs_webhook_id_fkey") {
    return new WebhookError("not_found", "no such webhook", { cause: error });
  }
  if (code === IDEMPOTENCY_KEY_REUSED) return idempotencyKeyReused(error);
  if (code === "42501") return new WebhookError("not_found", "no such webhook for this user", { cause: error });
  if (code === "23514" || code === "22P02" || code === "22001") {
    return new WebhookError("invalid_input", error.message, { cause: error });
  }
  return error;
}
