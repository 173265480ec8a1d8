/** The records the service and its repository exchange; snake_case where they mirror columns. */

export interface Webhook {
  id: string;
  user_id: string;
  agent_id: string | null;
  url: string;
  events: string[];
  secret: string;
  enabled: boolean;
  /** Retries after the first attempt. */
  retry_count: number;
  last_triggered_at: Date | null;
  last_status: number | null;
  last_error: string | null;
  /** Sent with every delivery and test, beside the signature headers. */
  headers: Record<string, string>;
  /** Null receives every message; otherwise only messages sharing one of these channels. */
  channels: string[] | null;
  /** At most this many deliveries a second, across all workers; null is unthrottled. */
  rate_limit_per_second: number | null;
  created_at: Date;
  updated_at: Date;
}

/** The settings of a webhook beyond its URL and events, as create and update take them. */
export interface WebhookOptions {
  headers?: Record<string, string>;
  channels?: string[] | null;
  rate_limit_per_second?: number | null;
}

export interface NewWebhook extends WebhookOptions {
  user_id: string;
  agent_id?: string | null;
  url: string;
  events: string[];
  secret: string;
  enabled?: boolean;
  retry_count?: number;
}

/** The fields a user may change; the secret changes through rotation. */
export interface WebhookUpdates extends WebhookOptions {
  agent_id?: string | null;
  url?: string;
  events?: string[];
  enabled?: boolean;
  retry_count?: number;
}

export interface WebhookFilters {
  user_id?: string;
  /** `null` selects webhooks that receive every agent's events. */
  agent_id?: string | null;
  enabled?: boolean;
  /** Webhooks subscribed to this event. */
  event?: string;
}

/** One delivery attempt. */
export interface WebhookLog {
  id: string;
  webhook_id: string;
  event: string;
  payload: unknown;
  status_code: number | null;
  response_body: string | null;
  error: string | null;
  attempt_number: number;
  delivered_at: Date | null;
  created_at: Date;
  /** How long the attempt took; null for attempts logged without it (test pings, lost leases). */
  duration_ms?: number | null;
}

export interface NewWebhookLog {
  webhook_id: string;
  event: string;
  payload: unknown;
  status_code?: number | null;
  response_body?: string | null;
  error?: string | null;
  attempt_number?: number;
  delivered_at?: Date | null;
  created_at?: Date;
  duration_ms?: number | null;
}

/** Where a page of logs ended: the next page starts strictly after this attempt (newest first). */
export interface LogPosition {
  /** Compared to the millisecond: rows written with microseconds page exactly too. */
  created_at: Date;
  attempt_number: number;
  id: string;
}

export type MessageStatus = "pending" | "sending" | "delivered" | "failed";

/** One event on its way to one webhook; its id is the `webhook-id` header, stable across attempts. */
export interface WebhookMessage {
  id: string;
  event_id: string;
  webhook_id: string;
  user_id: string;
  event: string;
  status: MessageStatus;
  /** Attempts started so far. */
  attempts: number;
  max_attempts: number;
  /** When a worker should next pick it up: the next attempt, or the end of a sending worker's lease. */
  due_at: Date;
  last_error: string | null;
  delivered_at: Date | null;
  created_at: Date;
}

/** Where a page of messages ended: the next page starts strictly after this message (newest first). */
export interface MessagePosition {
  created_at: Date;
  id: string;
}

export interface MessageListOptions {
  /** Only messages in this state. */
  status?: MessageStatus;
  limit: number;
  /** The last message of the previous page. */
  after?: MessagePosition;
}

export interface EnqueueInput {
  user_id: string;
  agent_id: string | null;
  event: string;
  /** The exact JSON bytes every webhook receives. */
  body: string;
  idempotency_key: string | null;
  now: Date;
  /** The event's channels: webhooks with channels receive it only when they share one. */
  channels?: string[] | null;
}

export interface EnqueueResult {
  event_id: string;
  /** Messages written: one per matching webhook. */
  deliveries: number;
  /** True when the idempotency key was seen before and nothing new was written. */
  duplicate: boolean;
}

export interface ClaimOptions {
  workerId: string;
  limit: number;
  now: Date;
  /** How long the claim holds; after that another worker may take the message over. */
  leaseMs: number;
}

/** A message claimed by a worker, with what it needs to send it. */
export interface ClaimedMessage {
  id: string;
  event_id: string;
  webhook_id: string;
  event: string;
  body: string;
  /** This attempt's number, from 1. */
  attempt_number: number;
  max_attempts: number;
  url: string;
  /** The current secret first, then a rotated-out one still inside its overlap window. */
  secrets: string[];
  enabled: boolean;
  /** The webhook's custom headers. */
  headers: Record<string, string>;
}

export type AttemptOutcome = "delivered" | "retry" | "failed";

/** The result of one attempt and what happens next, as the worker decided it. */
export interface AttemptRecord {
  message_id: string;
  attempt_number: number;
  status_code: number | null;
  response_body: string | null;
  error: string | null;
  outcome: AttemptOutcome;
  /** For `retry`: when to try again. */
  next_attempt_at: Date | null;
  /** Set to disable the webhook (a 410 Gone), with the reason kept in `last_error`. */
  disable_reason: string | null;
  /** How long the request took, for delivery stats. */
  duration_ms?: number | null;
}

export interface RecordOptions {
  workerId: string;
  now: Date;
  /** A webhook whose attempts have all failed for this long is disabled. */
  disableAfterMs: number;
}

export interface QueueStats {
  /** Messages waiting or being sent. */
  depth: number;
  /** Of those, how many are due now. */
  due: number;
  /** How long the oldest due message has waited, 0 when none is due. */
  oldest_due_age_ms: number;
}

/** One hour of a webhook's attempts (test pings left out). */
export interface WebhookStatsBucket {
  /** The start of the hour (UTC). */
  hour: Date;
  delivered: number;
  failed: number;
  /** Latency percentiles of the hour's attempts, null when none recorded a duration. */
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
}
