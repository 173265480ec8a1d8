/** WebhookService: webhook CRUD, secret rotation, triggering events into the outbox and test deliveries. */
import { deliver } from "./delivery.js";
import { WebhookError } from "./errors.js";
import { defineEventTypes, type EventCatalog } from "./event-catalog.js";
import { type EventType, OPERATIONAL_EVENTS, OperationalEvent, TEST_EVENT } from "./events.js";
import { createHttpSender, type HttpSend, type HttpSender, MAX_RESPONSE_BYTES } from "./http-sender.js";
import type {
  EnqueueResult,
  LogPosition,
  MessagePosition,
  MessageStatus,
  Webhook,
  WebhookFilters,
  WebhookLog,
  WebhookMessage,
  WebhookOptions,
  WebhookStatsBucket,
  WebhookUpdates,
} from "./model.js";
import type { WebhookRepository } from "./repository.js";
import { generateSecret } from "./secret.js";
import { type Clock, type RandomBytes, randomUuid, systemClock, systemRandomBytes } from "./system.js";
import { checkWebhookUrl, type UrlPolicy } from "./url-policy.js";
import { checkChannels, checkHeaders, checkRateLimit } from "./webhook-options.js";

export interface WebhookServiceOptions<Tx = unknown> extends UrlPolicy {
  repository: WebhookRepository<Tx>;
  /** How test deliveries are sent; default undici (refusing private addresses unless allowPrivateUrls). */
  send?: HttpSend;
  now?: Clock;
  randomBytes?: RandomBytes;
  /** Largest event body accepted by triggerEvent; default 256 KiB. */
  maxPayloadBytes?: number;
  /** Timeout of a test delivery; default 15 s. */
  timeoutMs?: number;
  /** How long a rotated-out secret keeps signing deliveries beside the new one; default 24 h. */
  secretOverlapMs?: number;
  /** The event types that may be triggered and subscribed to; default the built-in ones (`defineEventTypes()`). */
  eventTypes?: EventCatalog;
  /** Called after an event wrote messages: lets an in-process worker start at once instead of at its next poll. */
  onEnqueued?: (result: EnqueueResult) => void;
}

export interface CreateWebhookInput extends WebhookOptions {
  user_id: string;
  agent_id?: string | null;
  url: string;
  events: string[];
  enabled?: boolean;
  retry_count?: number;
}

export interface TriggerContext<Tx = unknown> {
  userId: string;
  /** The agent the event is about: agent-scoped webhooks of other agents do not receive it. */
  agentId?: string | null;
  /**
   * Triggering again with the same key (per user) and the same event, agent and payload writes nothing and returns
   * the first event; the same key with anything else is refused (`idempotency_key_reused`).
   */
  idempotencyKey?: string | null;
  /** The caller's transaction: the event commits or rolls back with the caller's own writes. */
  tx?: Tx;
  /** The event's channels: a webhook with channels receives it only when they share one (as Svix routes). */
  channels?: string[] | null;
}

export interface TestResult {
  success: boolean;
  status_code: number | null;
  duration_ms: number;
  error: string | null;
}

export interface RotatedSecret {
  secret: string;
  /** Until then deliveries carry a signature with the previous secret too. */
  previous_valid_until: Date;
}

export interface MessagePage {
  /** Newest first. */
  messages: WebhookMessage[];
  /** Pass as `after` for the next page; null on the last page. */
  next: MessagePosition | null;
}

/** A message with its logged attempts, in attempt order. */
export interface MessageWithAttempts extends WebhookMessage {
  logs: WebhookLog[];
}

export const MESSAGE_STATUSES: readonly MessageStatus[] = ["pending", "sending", "delivered", "failed"];
export const MAX_MESSAGE_PAGE = 100;

export const DEFAULT_MAX_PAYLOAD_BYTES = 256 * 1024;
export const DEFAULT_TIMEOUT_MS = 15_000;
export const DEFAULT_SECRET_OVERLAP_MS = 24 * 60 * 60 * 1000;
const MAX_RETRY_COUNT = 20;
const DAY = 24 * 60 * 60 * 1000;
const MAX_STATS_DAYS = 31;
/** Shared by services given no catalog: it never changes, so one cache serves them all. */
const BUILT_IN_EVENT_TYPES = defineEventTypes();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class WebhookService<Tx = unknown> {
  private readonly repository: WebhookRepository<Tx>;
  private readonly now: Clock;
  private readonly randomBytes: RandomBytes;
  private readonly policy: UrlPolicy;
  private readonly options: WebhookServiceOptions<Tx>;
  private readonly catalog: EventCatalog;
  private sender?: HttpSender;

  constructor(options: WebhookServiceOptions<Tx>) {
    this.options = options;
    this.repository = options.repository;
    this.now = options.now ?? systemClock;
    this.randomBytes = options.randomBytes ?? systemRandomBytes;
    this.catalog = options.eventTypes ?? BUILT_IN_EVENT_TYPES;
    this.policy = {
      allowHttp: options.allowHttp,
      allowPrivateUrls: options.allowPrivateUrls,
      resolveHost: options.resolveHost,
    };
  }

  /** Creates the webhook with a fresh secret; the returned record is the only time the service volunteers it. */
  async createWebhook(input: CreateWebhookInput): Promise<Webhook> {
    requireUuid(input.user_id, "user_id");
    if (input.agent_id != null) requireUuid(input.agent_id, "agent_id", "invalid_agent");
    return this.repository.createWebhook({
      user_id: input.user_id,
      agent_id: input.agent_id ?? null,
      url: await checkWebhookUrl(input.url, this.policy),
      events: await this.catalog.checkSubscriptions(input.events),
      secret: generateSecret(this.randomBytes),
      enabled: input.enabled ?? true,
      retry_count: checkRetryCount(input.retry_count),
      ...checkOptions(input),
    });
  }

  async getWebhook(webhookId: string, userId: string): Promise<Webhook> {
    return found(isUuid(webhookId) ? await this.repository.getWebhookById(webhookId, userId) : null);
  }

  listWebhooks(userId: string, filters: Omit<WebhookFilters, "user_id"> = {}): Promise<Webhook[]> {
    requireUuid(userId, "user_id");
    return this.repository.getWebhooks({ ...filters, user_id: userId });
  }

  async updateWebhook(webhookId: string, userId: string, updates: WebhookUpdates): Promise<Webhook> {
    const checked: WebhookUpdates = {};
    if (updates.url !== undefined) checked.url = await checkWebhookUrl(updates.url, this.policy);
    if (updates.events !== undefined) checked.events = await this.catalog.checkSubscriptions(updates.events);
    if (updates.retry_count !== undefined) checked.retry_count = checkRetryCount(updates.retry_count);
    if (updates.enabled !== undefined) checked.enabled = Boolean(updates.enabled);
    if (updates.agent_id !== undefined) {
      if (updates.agent_id !== null) requireUuid(updates.agent_id, "agent_id", "invalid_agent");
      checked.agent_id = updates.agent_id;
    }
    Object.assign(checked, checkOptions(updates));
    if (!isUuid(webhookId)) throw notFound();
    // Turning a webhook on or off is an operational event for its owner: know what it was.
    const before = checked.enabled === undefined ? null : await this.repository.getWebhookById(webhookId, userId);
    const updated = found(await this.repository.updateWebhook(webhookId, checked, userId));
    if (before && before.enabled !== updated.enabled) {
      const data = updated.enabled
        ? { endpoint_id: updated.id }
        : { endpoint_id: updated.id, reason: "disabled by its owner", failing_since: null };
      await this.emit(
        updated.enabled ? OperationalEvent.ENDPOINT_ENABLED : OperationalEvent.ENDPOINT_DISABLED,
        data,
        updated.user_id,
      );
    }
    return updated;
  }

  async deleteWebhook(webhookId: string, userId: string): Promise<void> {
    if (!isUuid(webhookId) || !(await this.repository.deleteWebhook(webhookId, userId))) throw notFound();
  }

  async getWebhookSecret(webhookId: string, userId: string): Promise<string> {
    return (await this.getWebhook(webhookId, userId)).secret;
  }

  /** A new secret now; the old one keeps signing beside it for `secretOverlapMs` so receivers can switch over. */
  async rotateSecret(webhookId: string, userId: string): Promise<RotatedSecret> {
    const secret = generateSecret(this.randomBytes);
    const until = new Date(this.now().getTime() + (this.options.secretOverlapMs ?? DEFAULT_SECRET_OVERLAP_MS));
    if (!isUuid(webhookId)) throw notFound();
    found(await this.repository.rotateSecret(webhookId, secret, until, userId));
    return { secret, previous_valid_until: until };
  }

  /**
   * Writes one message per matching webhook to the outbox (inside `context.tx` when given); workers deliver them.
   * The body every webhook receives is `{"type", "timestamp", "data"}` as Standard Webhooks suggests.
   */
  async triggerEvent(event: string, payload: unknown, context: TriggerContext<Tx>): Promise<EnqueueResult> {
    if (OPERATIONAL_EVENTS.includes(event)) {
      throw new WebhookError("reserved_event", `${event} is sent by the system only`, { details: { event } });
    }
    await this.catalog.checkEvent(event, payload);
    requireUuid(context.userId, "userId");
    const channels = context.channels == null ? null : checkChannels(context.channels);
    if (context.agentId != null) requireUuid(context.agentId, "agentId", "invalid_agent");
    const now = this.now();
    const body = envelope(event, payload, now);
    const limit = this.options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    const size = Buffer.byteLength(body, "utf8");
    if (size > limit) {
      throw new WebhookError("payload_too_large", `the event body is ${size} bytes; the limit is ${limit}`, {
        details: { size, limit },
      });
    }
    const key = context.idempotencyKey ?? null;
    if (key !== null && (typeof key !== "string" || key.length === 0 || key.length > 255)) {
      throw new WebhookError("invalid_input", "an idempotency key is 1 to 255 characters");
    }
    const result = await this.repository.enqueue(
      { user_id: context.userId, agent_id: context.agentId ?? null, event, body, idempotency_key: key, now, channels },
      context.tx,
    );
    if (result.deliveries > 0 && !result.duplicate) this.options.onEnqueued?.(result);
    return result;
  }

  /**
   * Sends a signed `webhook.test` event now, whether or not the webhook is enabled, and logs it as an attempt.
   * Signed as deliveries are: during a rotation's overlap with the previous secret too.
   */
  async testWebhook(webhookId: string, userId: string): Promise<TestResult> {
    const webhook = await this.getWebhook(webhookId, userId);
    const now = this.now();
    const secrets = await this.repository.getSigningSecrets(webhook.id, now, userId);
    if (secrets.length === 0) throw notFound();
    const body = envelope(TEST_EVENT, { webhook_id: webhook.id }, now);
    const result = await deliver(
      { id: randomUuid(this.randomBytes), url: webhook.url, body, secrets, headers: webhook.headers },
      {
        send: this.send(),
        now: this.now,
        timeoutMs: this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        maxResponseBytes: MAX_RESPONSE_BYTES,
      },
    );
    const success = result.error === null;
    await this.repository.createWebhookLog({
      webhook_id: webhook.id,
      event: TEST_EVENT,
      payload: JSON.parse(body),
      status_code: result.status_code,
      response_body: result.response_body,
      error: result.error,
      attempt_number: 1,
      delivered_at: success ? this.now() : null,
      created_at: now,
    });
    return { success, status_code: result.status_code, duration_ms: result.duration_ms, error: result.error };
  }

  /**
   * Attempts, newest first, strictly after `before` (the last log of the previous page). Pass `userId` to answer
   * only for that user's webhook.
   */
  async getWebhookLogs(webhookId: string, limit = 50, userId?: string, before?: LogPosition): Promise<WebhookLog[]> {
    if (!isUuid(webhookId)) return [];
    if (
      before &&
      (!isUuid(before.id) || Number.isNaN(before.created_at.getTime()) || !Number.isInteger(before.attempt_number))
    ) {
      throw new WebhookError("invalid_input", "before must be the position of a log this service listed");
    }
    const bounded = Math.min(Math.max(Math.trunc(limit) || 50, 1), 1000);
    return this.repository.getWebhookLogs(webhookId, bounded, userId, before);
  }

  /** Failed messages of the webhook since `since` get one more attempt. Returns how many were re-enqueued. */
  async recover(webhookId: string, since: Date, userId?: string): Promise<number> {
    if (Number.isNaN(since.getTime())) throw new WebhookError("invalid_input", "since must be a date");
    if (!isUuid(webhookId) || !(await this.repository.getWebhookById(webhookId, userId))) throw notFound();
    const recovered = await this.repository.recover(webhookId, since, this.now(), userId);
    if (recovered > 0) this.options.onEnqueued?.({ event_id: "", deliveries: recovered, duplicate: false });
    return recovered;
  }

  /**
   * Sends one message again now (same webhook-id, so receivers dedupe), whether it was delivered or failed.
   * With `webhookId`, a message of another webhook reads as missing.
   */
  async replay(messageId: string, userId?: string, webhookId?: string): Promise<WebhookMessage> {
    if (webhookId !== undefined) {
      const target = isUuid(messageId) ? await this.repository.getMessage(messageId, userId) : null;
      if (target?.webhook_id !== webhookId) throw messageNotFound();
    }
    const message = isUuid(messageId) ? await this.repository.replay(messageId, this.now(), userId) : null;
    if (!message) {
      if (isUuid(messageId) && (await this.repository.getMessage(messageId, userId))) {
        throw new WebhookError("message_in_flight", "a worker is sending this message right now; replay it after");
      }
      throw messageNotFound();
    }
    this.options.onEnqueued?.({ event_id: message.event_id, deliveries: 1, duplicate: false });
    return message;
  }

  /** The webhook's messages, newest first, page by page (`limit` 1 to 100). */
  async listMessages(
    webhookId: string,
    userId: string,
    options: { status?: MessageStatus; limit?: number; after?: MessagePosition } = {},
  ): Promise<MessagePage> {
    const limit = options.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_MESSAGE_PAGE) {
      throw new WebhookError("invalid_input", `limit is an integer from 1 to ${MAX_MESSAGE_PAGE}`);
    }
    if (options.status !== undefined && !MESSAGE_STATUSES.includes(options.status)) {
      throw new WebhookError("invalid_input", `status is one of ${MESSAGE_STATUSES.join(", ")}`);
    }
    const after = options.after;
    if (after && (!isUuid(after.id) || Number.isNaN(after.created_at.getTime()))) {
      throw new WebhookError("invalid_input", "after must be the position of a message this service listed");
    }
    await this.getWebhook(webhookId, userId);
    // One row more than asked says whether another page exists.
    const rows = await this.repository.listMessages(
      webhookId,
      { status: options.status, limit: limit + 1, after },
      userId,
    );
    const messages = rows.slice(0, limit);
    const last = messages.at(-1);
    return { messages, next: rows.length > limit && last ? { created_at: last.created_at, id: last.id } : null };
  }

  /** One message of the webhook with its logged attempts. */
  async getMessage(webhookId: string, messageId: string, userId?: string): Promise<MessageWithAttempts> {
    const message = isUuid(messageId) ? await this.repository.getMessage(messageId, userId) : null;
    if (!message || message.webhook_id !== webhookId) throw messageNotFound();
    return { ...message, logs: await this.repository.getMessageAttempts(messageId, userId) };
  }

  /**
   * Hourly delivered and failed attempts with latency percentiles, from the webhook's logs: by default the last
   * 24 hours, at most 31 days at once.
   */
  async getStats(
    webhookId: string,
    userId: string,
    range: { since?: Date; until?: Date } = {},
  ): Promise<WebhookStatsBucket[]> {
    const until = range.until ?? this.now();
    const since = range.since ?? new Date(until.getTime() - DAY);
    if (Number.isNaN(since.getTime()) || Number.isNaN(until.getTime()) || since >= until) {
      throw new WebhookError("invalid_input", "since must be a date before until", { details: { field: "since" } });
    }
    if (until.getTime() - since.getTime() > MAX_STATS_DAYS * DAY) {
      throw new WebhookError("invalid_input", `stats cover at most ${MAX_STATS_DAYS} days`, {
        details: { field: "since" },
      });
    }
    await this.getWebhook(webhookId, userId);
    return this.repository.getStats(webhookId, since, until, userId);
  }

  /** The catalog's event types, archived ones left out. */
  listEventTypes(): Promise<EventType[]> {
    return this.catalog.list();
  }

  /** Releases the default HTTP sender's sockets. */
  async close(): Promise<void> {
    await this.sender?.close();
    this.sender = undefined;
  }

  /** An operational event about one of the owner's webhooks, in the repository's transaction. */
  private async emit(event: OperationalEvent, data: Record<string, unknown>, userId: string): Promise<void> {
    const now = this.now();
    const body = envelope(event, data, now);
    const result = await this.repository.enqueue({
      user_id: userId,
      agent_id: null,
      event,
      body,
      idempotency_key: null,
      now,
    });
    if (result.deliveries > 0) this.options.onEnqueued?.(result);
  }

  private send(): HttpSend {
    if (this.options.send) return this.options.send;
    this.sender ??= createHttpSender({ allowPrivateUrls: this.options.allowPrivateUrls });
    return this.sender.send;
  }
}

/** The exact bytes sent: Standard Webhooks' suggested envelope. */
export function envelope(event: string, payload: unknown, now: Date): string {
  const body = JSON.stringify({ type: event, timestamp: now.toISOString(), data: payload ?? null });
  if (body === undefined) throw new WebhookError("invalid_input", "the payload must be JSON");
  return body;
}

function checkOptions(input: WebhookOptions): WebhookOptions {
  const checked: WebhookOptions = {};
  if (input.headers !== undefined) checked.headers = checkHeaders(input.headers);
  if (input.channels !== undefined) checked.channels = checkChannels(input.channels);
  if (input.rate_limit_per_second !== undefined)
    checked.rate_limit_per_second = checkRateLimit(input.rate_limit_per_second);
  return checked;
}

function checkRetryCount(value: number | undefined): number {
  if (value === undefined) return 7;
  if (!Number.isInteger(value) || value < 0 || value > MAX_RETRY_COUNT) {
    throw new WebhookError("invalid_input", `retry_count is an integer from 0 to ${MAX_RETRY_COUNT}`);
  }
  return value;
}

function isUuid(value: unknown): value is string {
  return typeof value === "string" && UUID.test(value);
}

function requireUuid(value: unknown, field: string, code: "invalid_input" | "invalid_agent" = "invalid_input"): void {
  if (!isUuid(value)) throw new WebhookError(code, `${field} must be a UUID`);
}

function notFound(): WebhookError {
  return new WebhookError("not_found", "no such webhook");
}

function messageNotFound(): WebhookError {
  return new WebhookError("not_found", "no such message for this webhook");
}

function found<T>(value: T | null): T {
  if (value === null) throw notFound();
  return value;
}
