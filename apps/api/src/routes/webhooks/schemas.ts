/** The JSON shapes of the webhook routes (snake_case, as the columns) and their mapping from domain objects. */
import {
  MAX_CHANNELS,
  MAX_HEADER_BYTES,
  MAX_HEADERS,
  MAX_RATE_LIMIT_PER_SECOND,
  MAX_RESPONSE_BYTES,
  MESSAGE_STATUSES,
  type MessageStatus,
  type MessageWithAttempts,
  WEBHOOK_EVENTS,
  type Webhook,
  type WebhookLog,
  type WebhookMessage,
} from "@vx/webhooks";
import { z } from "zod";
import { paginationQuery, timestampInput } from "../../route-kit.js";

const timestamp = z.iso.datetime({ offset: true });
const messageStatus = z.enum(MESSAGE_STATUSES as readonly [MessageStatus, ...MessageStatus[]]);
const eventName = z
  .string()
  .min(1)
  .max(255)
  .describe(`An event type of GET /v1/event-types (built in: ${WEBHOOK_EVENTS.join(", ")})`);
const subscription = z
  .string()
  .min(1)
  .max(255)
  .describe("An event type of GET /v1/event-types, or a pattern such as `call.*` (every call.… event)");
const headers = z
  .record(z.string(), z.string())
  .describe(
    `Sent with every delivery and test: at most ${MAX_HEADERS} headers, ${MAX_HEADER_BYTES} bytes of names and values; ` +
      "no hop-by-hop headers, none the delivery sets (content-type, user-agent…), no webhook-*",
  );
const channels = z
  .array(z.string().min(1).max(128))
  .min(1)
  .max(MAX_CHANNELS)
  .nullable()
  .describe("Receive only events sharing one of these channels; null (the default) receives every event");
const rateLimit = z
  .number()
  .int()
  .min(1)
  .max(MAX_RATE_LIMIT_PER_SECOND)
  .nullable()
  .describe("At most this many deliveries a second, across all workers; over it they wait. Null: unthrottled");

/** A webhook as the API shows it: never with its secret (that has its own route). */
export const webhookSchema = z
  .object({
    id: z.uuid(),
    user_id: z.uuid(),
    agent_id: z.uuid().nullable().describe("Only this agent's events; null receives every agent's"),
    url: z.string(),
    events: z.array(z.string()),
    enabled: z.boolean(),
    retry_count: z.number().int().describe("Retries after the first attempt"),
    last_triggered_at: timestamp.nullable(),
    last_status: z.number().int().nullable(),
    last_error: z.string().nullable(),
    headers: z.record(z.string(), z.string()),
    channels: z.array(z.string()).nullable(),
    rate_limit_per_second: z.number().int().nullable(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: "Webhook" });

export const createdSchema = webhookSchema
  .extend({ secret: z.string().describe("whsec_…: verify deliveries with it. Also at GET /v1/webhooks/{id}/secret") })
  .meta({ id: "CreatedWebhook" });

export const webhookLogSchema = z
  .object({
    id: z.uuid(),
    webhook_id: z.uuid(),
    event: z.string(),
    payload: z.unknown(),
    status_code: z.number().int().nullable(),
    response_body: z.string().nullable().describe(`The first ${MAX_RESPONSE_BYTES} bytes of the response`),
    error: z.string().nullable(),
    attempt_number: z.number().int(),
    delivered_at: timestamp.nullable(),
    created_at: timestamp,
    duration_ms: z.number().int().nullable().describe("How long the attempt took; null when not measured"),
  })
  .meta({ id: "WebhookLog" });

export const messageSchema = z
  .object({
    id: z.uuid().describe("The webhook-id header of every attempt: the receiver's idempotency key"),
    webhook_id: z.uuid(),
    event_id: z.uuid(),
    event: z.string(),
    status: messageStatus,
    attempts: z.number().int().describe("Attempts started so far"),
    max_attempts: z.number().int(),
    next_attempt_at: timestamp.nullable().describe("When a pending message is tried next; null otherwise"),
    last_error: z.string().nullable(),
    delivered_at: timestamp.nullable(),
    created_at: timestamp,
  })
  .meta({ id: "WebhookMessage" });

export const messageDetailSchema = messageSchema
  .extend({ logs: z.array(webhookLogSchema).describe("Its logged attempts, in attempt order") })
  .meta({ id: "WebhookMessageWithAttempts" });

export const idParams = z.object({ id: z.uuid() });
export const messageParams = z.object({ id: z.uuid(), message_id: z.uuid() });

export const createBody = z.strictObject({
  url: z.string().min(1).max(2048),
  events: z.array(subscription).min(1).max(50),
  agent_id: z.uuid().nullable().optional(),
  enabled: z.boolean().optional(),
  retry_count: z.number().int().min(0).max(20).optional(),
  headers: headers.optional(),
  channels: channels.optional(),
  rate_limit_per_second: rateLimit.optional(),
});

export const updateBody = z
  .strictObject({
    url: z.string().min(1).max(2048).optional(),
    events: z.array(subscription).min(1).max(50).optional(),
    agent_id: z.uuid().nullable().optional(),
    enabled: z.boolean().optional(),
    retry_count: z.number().int().min(0).max(20).optional(),
    headers: headers.optional(),
    channels: channels.optional(),
    rate_limit_per_second: rateLimit.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: "give at least one field to change" });

export const logsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(50).describe("How many attempts, newest first (1-1000)"),
  cursor: paginationQuery.shape.cursor,
});

/** Where a page of logs ended (created_at as ISO, to the millisecond, as the logs are ordered). */
export const logCursor = z.object({
  created_at: z.string().min(1),
  attempt_number: z.number().int().min(0).max(2_147_483_647),
  id: z.string().uuid(),
});

export const messagesQuery = z.object({
  status: z
    .enum(MESSAGE_STATUSES as [string, ...string[]])
    .optional()
    .describe("Only messages in this state"),
});

export const recoverBody = z.strictObject({
  since: timestampInput.describe("Failed messages created at or after this time get one more attempt"),
});

export const triggerBody = z.strictObject({
  event: eventName,
  payload: z.unknown().describe("Any JSON: delivered as `data` in {type, timestamp, data}"),
  agent_id: z.uuid().nullable().optional().describe("The agent the event is about"),
  idempotency_key: z.string().min(1).max(255).optional().describe("Repeating a key (per user) enqueues nothing"),
  channels: z
    .array(z.string().min(1).max(128))
    .min(1)
    .max(MAX_CHANNELS)
    .optional()
    .describe("Webhooks with channels receive the event only when they share one of these"),
});

export const triggeredSchema = z
  .object({
    event_id: z.uuid(),
    deliveries: z.number().int().describe("Messages enqueued: one per matching webhook"),
    duplicate: z.boolean().describe("True when the idempotency key was seen before"),
  })
  .meta({ id: "TriggeredEvent" });

export const testResultSchema = z
  .object({
    success: z.boolean(),
    status_code: z.number().int().nullable(),
    duration_ms: z.number(),
    error: z.string().nullable(),
  })
  .meta({ id: "WebhookTestResult" });

const jsonSchema = z
  .union([z.record(z.string(), z.unknown()), z.boolean()])
  .nullable()
  .describe("JSON Schema (draft 2020-12) of the payload; triggering checks it. Null accepts any JSON");

export const eventTypeSchema = z
  .object({
    name: z.string(),
    description: z.string(),
    schema: jsonSchema,
    example: z.unknown().describe("An example payload"),
    deprecated: z.boolean().describe("Still sent; move off it"),
    archived: z.boolean().describe("No longer sent nor subscribable"),
  })
  .meta({ id: "EventType" });

export const eventTypeBody = z.strictObject({
  name: z.string().min(1).max(255).describe("Letters, digits, _ or -, in segments separated by dots: invoice.paid"),
  description: z.string().min(1).max(1000),
  schema: jsonSchema.optional(),
  example: z.unknown().optional(),
  deprecated: z.boolean().optional(),
  archived: z.boolean().optional(),
});

export const eventTypeUpdateBody = eventTypeBody
  .omit({ name: true })
  .partial()
  .refine((body) => Object.keys(body).length > 0, { message: "give at least one field to change" });

export const eventTypeParams = z.object({ name: z.string().min(1).max(255) });

export const eventTypesQuery = z.object({
  include_archived: z.enum(["true", "false"]).optional().describe("true: archived event types too"),
});

export const statsQuery = z.object({
  since: timestampInput.optional().describe("Start of the range (default 24 hours before until)"),
  until: timestampInput.optional().describe("End of the range, excluded (default now); at most 31 days after since"),
});

export const statsSchema = z
  .object({
    data: z.array(
      z.object({
        hour: timestamp.describe("Start of the hour, UTC"),
        delivered: z.number().int(),
        failed: z.number().int().describe("Attempts that did not deliver (each retry counts)"),
        p50_ms: z.number().nullable(),
        p95_ms: z.number().nullable(),
        p99_ms: z.number().nullable(),
      }),
    ),
  })
  .meta({ id: "WebhookStats" });

export function toJson(webhook: Webhook): z.output<typeof webhookSchema> {
  return {
    id: webhook.id,
    user_id: webhook.user_id,
    agent_id: webhook.agent_id,
    url: webhook.url,
    events: webhook.events,
    enabled: webhook.enabled,
    retry_count: webhook.retry_count,
    last_triggered_at: iso(webhook.last_triggered_at),
    last_status: webhook.last_status,
    last_error: webhook.last_error,
    headers: webhook.headers,
    channels: webhook.channels,
    rate_limit_per_second: webhook.rate_limit_per_second,
    created_at: webhook.created_at.toISOString(),
    updated_at: webhook.updated_at.toISOString(),
  };
}

export function logToJson(log: WebhookLog): z.output<typeof webhookLogSchema> {
  return {
    ...log,
    delivered_at: iso(log.delivered_at),
    created_at: log.created_at.toISOString(),
    duration_ms: log.duration_ms ?? null,
  };
}

export function messageToJson(message: WebhookMessage): z.output<typeof messageSchema> {
  return {
    id: message.id,
    webhook_id: message.webhook_id,
    event_id: message.event_id,
    event: message.event,
    status: message.status,
    attempts: message.attempts,
    max_attempts: message.max_attempts,
    next_attempt_at: message.status === "pending" ? message.due_at.toISOString() : null,
    last_error: message.last_error,
    delivered_at: iso(message.delivered_at),
    created_at: message.created_at.toISOString(),
  };
}

export function messageDetailToJson(message: MessageWithAttempts): z.output<typeof messageDetailSchema> {
  return { ...messageToJson(message), logs: message.logs.map(logToJson) };
}

function iso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}
