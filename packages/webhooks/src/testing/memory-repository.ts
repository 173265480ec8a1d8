/** MemoryWebhookRepository: the port in plain maps, with the same semantics as the Postgres adapter. */
import { randomUUID } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { WebhookError } from "../errors.js";
import { OPERATIONAL_EVENTS, subscribes, TEST_EVENT } from "../events.js";
import type {
  AttemptRecord,
  ClaimedMessage,
  ClaimOptions,
  EnqueueInput,
  EnqueueResult,
  LogPosition,
  MessageListOptions,
  MessagePosition,
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
} from "../model.js";
import type { WebhookRepository } from "../repository.js";
import { storedKeyId } from "../secret-cipher.js";
import type { StoredSecret, WebhookSecretStore } from "../secret-store.js";
import { type Clock, systemClock } from "../system.js";

interface StoredEvent {
  id: string;
  user_id: string;
  agent_id: string | null;
  event: string;
  body: string;
  idempotency_key: string | null;
  created_at: Date;
}

interface StoredMessage extends WebhookMessage {
  locked_by: string | null;
}

export class MemoryWebhookRepository implements WebhookRepository<unknown>, WebhookSecretStore {
  private readonly webhooks = new Map<string, Webhook>();
  private readonly agents = new Map<string, string>();
  private readonly logs: WebhookLog[] = [];
  /** Which message each attempt's log row belongs to (Postgres derives the log id from it instead). */
  private readonly messageOfLog = new Map<string, string>();
  private readonly events = new Map<string, StoredEvent>();
  private readonly messages = new Map<string, StoredMessage>();
  private readonly previousSecrets = new Map<string, { secret: string; until: Date }>();
  private readonly failingSince = new Map<string, Date>();
  private readonly throttles = new Map<string, { window_start: number; sent: number; blocked_until: Date | null }>();
  private readonly now: Clock;

  constructor(options: { now?: Clock } = {}) {
    this.now = options.now ?? systemClock;
  }

  /** Registers an agent of the user, as a row in `agents` would (webhooks may only name their user's agents). */
  addAgent(userId: string, agentId: string = randomUUID()): string {
    this.agents.set(agentId, userId);
    return agentId;
  }

  async createWebhook(data: NewWebhook): Promise<Webhook> {
    this.checkAgent(data.agent_id ?? null, data.user_id);
    const now = this.now();
    const webhook: Webhook = {
      id: randomUUID(),
      user_id: data.user_id,
      agent_id: data.agent_id ?? null,
      url: data.url,
      events: [...data.events],
      secret: data.secret,
      enabled: data.enabled ?? true,
      retry_count: data.retry_count ?? 7,
      last_triggered_at: null,
      last_status: null,
      last_error: null,
      headers: { ...(data.headers ?? {}) },
      channels: data.channels ? [...data.channels] : null,
      rate_limit_per_second: data.rate_limit_per_second ?? null,
      created_at: now,
      updated_at: now,
    };
    this.webhooks.set(webhook.id, webhook);
    return copy(webhook);
  }

  async getWebhookById(id: string, userId?: string): Promise<Webhook | null> {
    const webhook = this.owned(id, userId);
    return webhook ? copy(webhook) : null;
  }

  async getWebhooks(filters: WebhookFilters = {}): Promise<Webhook[]> {
    return [...this.webhooks.values()]
      .filter(
        (w) =>
          (filters.user_id === undefined || w.user_id === filters.user_id) &&
          (filters.agent_id === undefined || w.agent_id === filters.agent_id) &&
          (filters.enabled === undefined || w.enabled === filters.enabled) &&
          (filters.event === undefined || subscribes(w.events, filters.event)),
      )
      .sort((a, b) => b.created_at.getTime() - a.created_at.getTime())
      .map(copy);
  }

  async updateWebhook(id: string, updates: WebhookUpdates, userId?: string): Promise<Webhook | null> {
    const webhook = this.owned(id, userId);
    if (!webhook) return null;
    if (updates.agent_id !== undefined) this.checkAgent(updates.agent_id, webhook.user_id);
    for (const [key, value] of Object.entries(updates)) {
      if (value !== undefined) (webhook as unknown as Record<string, unknown>)[key] = copy(value);
    }
    webhook.updated_at = this.now();
    return copy(webhook);
  }

  async deleteWebhook(id: string, userId?: string): Promise<boolean> {
    if (!this.owned(id, userId)) return false;
    this.webhooks.delete(id);
    this.previousSecrets.delete(id);
    this.failingSince.delete(id);
    for (const [messageId, message] of this.messages) if (message.webhook_id === id) this.messages.delete(messageId);
    for (let i = this.logs.length - 1; i >= 0; i--) if (this.logs[i]!.webhook_id === id) this.logs.splice(i, 1);
    return true;
  }

  async rotateSecret(id: string, secret: string, previousValidUntil: Date, userId?: string): Promise<Webhook | null> {
    const webhook = this.owned(id, userId);
    if (!webhook) return null;
    this.previousSecrets.set(id, { secret: webhook.secret, until: previousValidUntil });
    webhook.secret = secret;
    webhook.updated_at = this.now();
    return copy(webhook);
  }

  async createWebhookLog(log: NewWebhookLog): Promise<WebhookLog> {
    const webhook = this.webhooks.get(log.webhook_id);
    if (!webhook) throw new WebhookError("not_found", "no such webhook");
    const row = this.insertLog({ ...log, created_at: log.created_at ?? this.now() });
    webhook.last_triggered_at = row.created_at;
    webhook.last_status = row.status_code;
    webhook.last_error = row.delivered_at ? null : row.error;
    return copy(row);
  }

  async getWebhookLogs(webhookId: string, limit = 50, userId?: string, before?: LogPosition): Promise<WebhookLog[]> {
    if (!this.owned(webhookId, userId)) return [];
    return this.logs
      .filter((log) => log.webhook_id === webhookId && (!before || compareLogs(log, before) > 0))
      .sort(compareLogs)
      .slice(0, limit)
      .map(copy);
  }

  async getSigningSecrets(webhookId: string, now: Date, userId?: string): Promise<string[]> {
    const webhook = this.owned(webhookId, userId);
    if (!webhook) return [];
    return this.secretsOf(webhook, now);
  }

  async listStoredSecrets(afterWebhookId: string | null, limit: number): Promise<StoredSecret[]> {
    const ids = [...this.webhooks.keys()]
      .filter((id) => afterWebhookId === null || id > afterWebhookId)
      .sort()
      .slice(0, limit);
    return ids.flatMap((id) => this.storedOf(id));
  }

  async sampleStoredSecrets(): Promise<StoredSecret[]> {
    const byKey = new Map<string | null, StoredSecret>();
    for (const id of this.webhooks.keys()) {
      for (const secret of this.storedOf(id)) byKey.set(storedKeyId(secret.stored), secret);
    }
    return [...byKey.values()];
  }

  async replaceStoredSecret(secret: StoredSecret, next: string): Promise<boolean> {
    const webhook = this.webhooks.get(secret.webhook_id);
    const previous = this.previousSecrets.get(secret.webhook_id);
    if (secret.kind === "current" && webhook?.secret === secret.stored) {
      webhook.secret = next;
      return true;
    }
    if (secret.kind === "previous" && previous?.secret === secret.stored) {
      previous.secret = next;
      return true;
    }
    return false;
  }

  private storedOf(id: string): StoredSecret[] {
    const previous = this.previousSecrets.get(id);
    const current: StoredSecret = { webhook_id: id, kind: "current", stored: this.webhooks.get(id)!.secret };
    return previous ? [current, { webhook_id: id, kind: "previous", stored: previous.secret }] : [current];
  }

  private secretsOf(webhook: Webhook, now: Date): string[] {
    const previous = this.previousSecrets.get(webhook.id);
    return previous && previous.until > now ? [webhook.secret, previous.secret] : [webhook.secret];
  }

  async enqueue(input: EnqueueInput): Promise<EnqueueResult> {
    const existing = [...this.events.values()].find(
      (e) =>
        input.idempotency_key !== null && e.user_id === input.user_id && e.idempotency_key === input.idempotency_key,
    );
    if (existing) {
      if (!sameRequest(existing, input)) {
        throw new WebhookError("idempotency_key_reused", "this idempotency key was used for another request");
      }
      const deliveries = [...this.messages.values()].filter((m) => m.event_id === existing.id).length;
      return { event_id: existing.id, deliveries, duplicate: true };
    }
    const event: StoredEvent = { id: randomUUID(), ...input, created_at: input.now };
    const channels = input.channels ?? [];
    this.events.set(event.id, event);
    const targets = [...this.webhooks.values()].filter(
      (w) =>
        w.user_id === input.user_id &&
        w.enabled &&
        subscribes(w.events, input.event) &&
        (w.agent_id === null || w.agent_id === input.agent_id) &&
        (w.channels === null || w.channels.some((channel) => channels.includes(channel))),
    );
    for (const webhook of targets) {
      const message: StoredMessage = {
        id: randomUUID(),
        event_id: event.id,
        webhook_id: webhook.id,
        user_id: input.user_id,
        event: input.event,
        status: "pending",
        attempts: 0,
        max_attempts: webhook.retry_count + 1,
        due_at: input.now,
        last_error: null,
        delivered_at: null,
        created_at: input.now,
        locked_by: null,
      };
      this.messages.set(message.id, message);
    }
    return { event_id: event.id, deliveries: targets.length, duplicate: false };
  }

  async claim(options: ClaimOptions): Promise<ClaimedMessage[]> {
    const due = [...this.messages.values()]
      .filter(
        (m) =>
          (m.status === "pending" || m.status === "sending") &&
          m.due_at <= options.now &&
          !((this.throttles.get(m.webhook_id)?.blocked_until ?? 0) > options.now),
      )
      .sort((a, b) => a.due_at.getTime() - b.due_at.getTime())
      .slice(0, options.limit);
    return this.withinRateLimits(due, options.now).map((message) => {
      if (message.status === "sending") this.logAbandoned(message, options.now);
      message.status = "sending";
      message.attempts += 1;
      message.locked_by = options.workerId;
      message.due_at = new Date(options.now.getTime() + options.leaseMs);
      const webhook = this.webhooks.get(message.webhook_id)!;
      return {
        id: message.id,
        event_id: message.event_id,
        webhook_id: webhook.id,
        event: message.event,
        body: this.events.get(message.event_id)!.body,
        attempt_number: message.attempts,
        max_attempts: message.max_attempts,
        url: webhook.url,
        secrets: this.secretsOf(webhook, options.now),
        enabled: webhook.enabled,
        headers: copy(webhook.headers),
      };
    });
  }

  async record(attempts: AttemptRecord[], options: RecordOptions): Promise<number> {
    const byWebhook = new Map<string, AttemptRecord[]>();
    for (const attempt of attempts) {
      const message = this.messages.get(attempt.message_id);
      if (
        message?.status !== "sending" ||
        message.locked_by !== options.workerId ||
        message.attempts !== attempt.attempt_number
      ) {
        continue;
      }
      const delivered = attempt.outcome === "delivered";
      message.status = attempt.outcome === "retry" ? "pending" : attempt.outcome;
      if (attempt.outcome === "retry") message.due_at = attempt.next_attempt_at ?? options.now;
      message.locked_by = null;
      message.last_error = attempt.error;
      message.delivered_at = delivered ? options.now : null;
      this.insertAttemptLog(message, {
        status_code: attempt.status_code,
        response_body: attempt.response_body,
        error: attempt.error,
        attempt_number: attempt.attempt_number,
        delivered_at: delivered ? options.now : null,
        created_at: options.now,
        duration_ms: attempt.duration_ms ?? null,
      });
      if (attempt.outcome === "failed" && message.attempts >= message.max_attempts)
        this.reportExhausted(message, options.now);
      byWebhook.set(message.webhook_id, [...(byWebhook.get(message.webhook_id) ?? []), attempt]);
    }
    for (const [webhookId, results] of byWebhook) this.updateHealth(webhookId, results, options);
    return [...byWebhook.values()].reduce((sum, results) => sum + results.length, 0);
  }

  async recover(webhookId: string, since: Date, now: Date, userId?: string): Promise<number> {
    if (!this.owned(webhookId, userId)) return 0;
    let count = 0;
    for (const message of this.messages.values()) {
      if (message.webhook_id !== webhookId || message.status !== "failed" || message.created_at < since) continue;
      this.requeue(message, now);
      count++;
    }
    return count;
  }

  async replay(messageId: string, now: Date, userId?: string): Promise<WebhookMessage | null> {
    const message = this.messages.get(messageId);
    if (!message || message.status === "sending" || (userId !== undefined && message.user_id !== userId)) return null;
    this.requeue(message, now);
    return publicMessage(message);
  }

  async getMessage(id: string, userId?: string): Promise<WebhookMessage | null> {
    const message = this.messages.get(id);
    if (!message || (userId !== undefined && message.user_id !== userId)) return null;
    return publicMessage(message);
  }

  async listMessages(webhookId: string, options: MessageListOptions, userId?: string): Promise<WebhookMessage[]> {
    const after = options.after;
    return [...this.messages.values()]
      .filter(
        (m) =>
          m.webhook_id === webhookId &&
          (userId === undefined || m.user_id === userId) &&
          (options.status === undefined || m.status === options.status) &&
          (!after || newerFirst(m, after) > 0),
      )
      .sort(newerFirst)
      .slice(0, options.limit)
      .map(publicMessage);
  }

  async getMessageAttempts(messageId: string, userId?: string): Promise<WebhookLog[]> {
    if (!(await this.getMessage(messageId, userId))) return [];
    return this.logs
      .filter((log) => this.messageOfLog.get(log.id) === messageId)
      .sort((a, b) => a.attempt_number - b.attempt_number)
      .map(copy);
  }

  async queueStats(now: Date): Promise<QueueStats> {
    const open = [...this.messages.values()].filter((m) => m.status === "pending" || m.status === "sending");
    const due = open.filter((m) => m.due_at <= now);
    const oldest = Math.min(...due.map((m) => m.due_at.getTime()));
    return { depth: open.length, due: due.length, oldest_due_age_ms: due.length ? now.getTime() - oldest : 0 };
  }

  async getStats(webhookId: string, since: Date, until: Date, userId?: string): Promise<WebhookStatsBucket[]> {
    if (!this.owned(webhookId, userId)) return [];
    const hours = new Map<number, WebhookLog[]>();
    for (const log of this.logs) {
      if (
        log.webhook_id !== webhookId ||
        log.event === TEST_EVENT ||
        log.created_at < since ||
        log.created_at >= until
      ) {
        continue;
      }
      const hour = Math.floor(log.created_at.getTime() / HOUR) * HOUR;
      hours.set(hour, [...(hours.get(hour) ?? []), log]);
    }
    return [...hours.entries()]
      .sort(([a], [b]) => a - b)
      .map(([hour, logs]) => {
        const durations = logs.flatMap((log) => (log.duration_ms == null ? [] : [log.duration_ms]));
        return {
          hour: new Date(hour),
          delivered: logs.filter((log) => log.delivered_at !== null).length,
          failed: logs.filter((log) => log.delivered_at === null).length,
          p50_ms: percentile(durations, 0.5),
          p95_ms: percentile(durations, 0.95),
          p99_ms: percentile(durations, 0.99),
        };
      });
  }

  async purgeEvents(before: Date, limit: number): Promise<number> {
    const messages = [...this.messages.values()];
    const doomed = [...this.events.values()]
      .filter(
        (e) =>
          e.created_at < before &&
          !messages.some((m) => m.event_id === e.id && (m.status === "pending" || m.status === "sending")),
      )
      .sort((a, b) => a.created_at.getTime() - b.created_at.getTime())
      .slice(0, limit);
    for (const event of doomed) {
      this.events.delete(event.id);
      for (const m of messages) if (m.event_id === event.id) this.messages.delete(m.id);
    }
    return doomed.length;
  }

  private updateHealth(webhookId: string, results: AttemptRecord[], options: RecordOptions): void {
    const webhook = this.webhooks.get(webhookId);
    if (!webhook) return;
    const last = results[results.length - 1]!;
    const anyDelivered = results.some((r) => r.outcome === "delivered");
    const since = this.failingSince.get(webhookId);
    webhook.last_triggered_at = options.now;
    webhook.last_status = last.status_code;
    webhook.last_error = last.outcome === "delivered" ? null : last.error;
    if (anyDelivered) this.failingSince.delete(webhookId);
    else if (!since) this.failingSince.set(webhookId, options.now);
    const gone = results.find((r) => r.disable_reason)?.disable_reason;
    const failingTooLong = !anyDelivered && since && options.now.getTime() - since.getTime() >= options.disableAfterMs;
    if (gone || failingTooLong) {
      if (webhook.enabled)
        this.reportDisabled(
          webhook,
          `disabled: ${gone ?? `every attempt failed since ${since!.toISOString()}`}`,
          options.now,
        );
      webhook.enabled = false;
      webhook.last_error = `disabled: ${gone ?? `every attempt failed since ${since!.toISOString()}`}`;
    }
  }

  /** As the claim function: a throttled webhook gets at most its limit per calendar second, the rest wait. */
  private withinRateLimits(due: StoredMessage[], now: Date): StoredMessage[] {
    const window = Math.floor(now.getTime() / 1000) * 1000;
    const taken = new Map<string, number>();
    return due.filter((message) => {
      const rate = this.webhooks.get(message.webhook_id)?.rate_limit_per_second ?? null;
      if (rate === null) return true;
      let throttle = this.throttles.get(message.webhook_id);
      if (!throttle || throttle.window_start < window) {
        throttle = { window_start: window, sent: 0, blocked_until: null };
        this.throttles.set(message.webhook_id, throttle);
      }
      taken.set(message.webhook_id, (taken.get(message.webhook_id) ?? 0) + 1);
      if (throttle.sent >= rate) return false;
      throttle.sent++;
      if (throttle.sent >= rate) throttle.blocked_until = new Date(throttle.window_start + 1000);
      return true;
    });
  }

  /** Operational events go through enqueue, as the record function sends them. */
  private reportDisabled(webhook: Webhook, reason: string, now: Date): void {
    const since = this.failingSince.get(webhook.id) ?? null;
    this.operational(webhook.user_id, "endpoint.disabled", now, {
      endpoint_id: webhook.id,
      reason,
      failing_since: since ? since.toISOString() : null,
    });
  }

  private reportExhausted(message: StoredMessage, now: Date): void {
    if (OPERATIONAL_EVENTS.includes(message.event)) return;
    this.operational(message.user_id, "message.attempt.exhausted", now, {
      endpoint_id: message.webhook_id,
      message_id: message.id,
      event_id: message.event_id,
      event: message.event,
      attempts: message.attempts,
      last_error: message.last_error,
    });
  }

  private operational(userId: string, event: string, now: Date, data: Record<string, unknown>): void {
    const body = JSON.stringify({ type: event, timestamp: now.toISOString(), data });
    void this.enqueue({ user_id: userId, agent_id: null, event, body, idempotency_key: null, now });
  }

  private requeue(message: StoredMessage, now: Date): void {
    message.status = "pending";
    message.due_at = now;
    message.max_attempts = message.attempts + 1;
    message.delivered_at = null;
  }

  private logAbandoned(message: StoredMessage, now: Date): void {
    this.insertAttemptLog(message, {
      error: "outcome unknown: the worker's lease expired before it recorded this attempt",
      attempt_number: message.attempts,
      created_at: now,
    });
  }

  private insertAttemptLog(
    message: StoredMessage,
    log: Omit<NewWebhookLog, "webhook_id" | "event" | "payload"> & { created_at: Date },
  ): void {
    const row = this.insertLog({
      ...log,
      webhook_id: message.webhook_id,
      event: message.event,
      payload: JSON.parse(this.events.get(message.event_id)!.body),
    });
    this.messageOfLog.set(row.id, message.id);
  }

  private insertLog(log: NewWebhookLog & { created_at: Date }): WebhookLog {
    const row: WebhookLog = {
      id: randomUUID(),
      webhook_id: log.webhook_id,
      event: log.event,
      payload: structuredClone(log.payload ?? {}),
      status_code: log.status_code ?? null,
      response_body: log.response_body ?? null,
      error: log.error ?? null,
      attempt_number: log.attempt_number ?? 1,
      delivered_at: log.delivered_at ?? null,
      created_at: log.created_at,
      duration_ms: log.duration_ms ?? null,
    };
    this.logs.push(row);
    return row;
  }

  private owned(id: string, userId?: string): Webhook | undefined {
    const webhook = this.webhooks.get(id);
    return webhook && (userId === undefined || webhook.user_id === userId) ? webhook : undefined;
  }

  private checkAgent(agentId: string | null, userId: string): void {
    if (agentId !== null && this.agents.get(agentId) !== userId) {
      throw new WebhookError("invalid_agent", "agent_id is not an agent of this user");
    }
  }
}

/** Sort order of message listings: newest first, then by id descending. Positive when `a` comes after `b`. */
function newerFirst(a: MessagePosition, b: MessagePosition): number {
  return b.created_at.getTime() - a.created_at.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

function publicMessage(message: StoredMessage): WebhookMessage {
  const { locked_by: _lockedBy, ...rest } = message;
  return copy(rest);
}

const HOUR = 60 * 60 * 1000;

/** Linear interpolation between the closest ranks, as Postgres's percentile_cont. */
function percentile(values: number[], fraction: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = fraction * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

function copy<T>(value: T): T {
  return structuredClone(value);
}

/** Newest first, as Postgres orders logs: created_at (milliseconds), attempt_number, id, all descending. */
function compareLogs(a: Pick<WebhookLog, "created_at" | "attempt_number" | "id">, b: LogPosition): number {
  return (
    b.created_at.getTime() - a.created_at.getTime() ||
    b.attempt_number - a.attempt_number ||
    (b.id < a.id ? -1 : b.id > a.id ? 1 : 0)
  );
}

/** The same event, agent and payload (`data` compared as values, as jsonb compares them). */
function sameRequest(first: StoredEvent, input: EnqueueInput): boolean {
  return (
    first.event === input.event &&
    first.agent_id === input.agent_id &&
    isDeepStrictEqual(JSON.parse(first.body).data, JSON.parse(input.body).data)
  );
}
