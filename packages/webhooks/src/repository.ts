/** WebhookRepository: the port the service and the workers run on (Pg, Supabase and in-memory adapters). */
import type {
  AttemptRecord,
  ClaimedMessage,
  ClaimOptions,
  EnqueueInput,
  EnqueueResult,
  LogPosition,
  MessageListOptions,
  NewWebhook,
  NewWebhookLog,
  QueueStats,
  RecordOptions,
  Webhook,
  WebhookFilters,
  WebhookLog,
  WebhookMessage,
  WebhookStatsBucket,
  WebhookUpdates,
} from "./model.js";

/**
 * `userId` parameters, when given, scope an operation to that user's rows: others' rows read as missing.
 * `Tx` is the adapter's transaction handle (a `Queryable` for Postgres), so events commit with the caller's data.
 */
export interface WebhookRepository<Tx = unknown> {
  createWebhook(data: NewWebhook): Promise<Webhook>;
  getWebhookById(id: string, userId?: string): Promise<Webhook | null>;
  getWebhooks(filters?: WebhookFilters): Promise<Webhook[]>;
  updateWebhook(id: string, updates: WebhookUpdates, userId?: string): Promise<Webhook | null>;
  deleteWebhook(id: string, userId?: string): Promise<boolean>;
  /** Replaces the secret; the old one keeps signing deliveries until `previousValidUntil`. */
  rotateSecret(id: string, secret: string, previousValidUntil: Date, userId?: string): Promise<Webhook | null>;

  /** Writes one attempt and brings the webhook's last_triggered_at, last_status and last_error up to date. */
  createWebhookLog(log: NewWebhookLog): Promise<WebhookLog>;
  /**
   * Newest first: created_at to the millisecond, then attempt_number, then id, all descending; strictly after
   * `before` when given.
   */
  getWebhookLogs(webhookId: string, limit?: number, userId?: string, before?: LogPosition): Promise<WebhookLog[]>;
  /** The secrets a delivery is signed with at `now`: the current one, then a rotated-out one still valid. */
  getSigningSecrets(webhookId: string, now: Date, userId?: string): Promise<string[]>;

  /** One message per enabled webhook of the user subscribed to the event (agent-scoped ones for that agent only). */
  enqueue(input: EnqueueInput, tx?: Tx): Promise<EnqueueResult>;
  /** Takes up to `limit` due messages (pending and due, or sending with an expired lease) for this worker. */
  claim(options: ClaimOptions): Promise<ClaimedMessage[]>;
  /** Applies attempts of messages this worker still holds; returns how many it held. */
  record(attempts: AttemptRecord[], options: RecordOptions): Promise<number>;
  /** Failed messages of the webhook created since `since` get one more attempt, now. Returns how many. */
  recover(webhookId: string, since: Date, now: Date, userId?: string): Promise<number>;
  /** The message gets one more attempt now, whatever its state, unless a worker is sending it. */
  replay(messageId: string, now: Date, userId?: string): Promise<WebhookMessage | null>;
  getMessage(id: string, userId?: string): Promise<WebhookMessage | null>;
  /** The webhook's messages, newest first (created_at, then id, descending), strictly after `options.after`. */
  listMessages(webhookId: string, options: MessageListOptions, userId?: string): Promise<WebhookMessage[]>;
  /** The logged attempts of one message, in attempt order (retention may have removed old ones). */
  getMessageAttempts(messageId: string, userId?: string): Promise<WebhookLog[]>;
  queueStats(now: Date): Promise<QueueStats>;
  /** The webhook's attempts in [since, until) per hour (UTC), oldest first; hours without attempts left out. */
  getStats(webhookId: string, since: Date, until: Date, userId?: string): Promise<WebhookStatsBucket[]>;
  /**
   * Deletes up to `limit` events created before `before` whose messages are all delivered or failed, with
   * their messages (retention; logs have their own). Their idempotency keys are forgotten. Returns how many.
   */
  purgeEvents(before: Date, limit: number): Promise<number>;
}
