/** The built-in event types: the defaults of every event catalog, and the names of the operational events. */

export const WebhookEvent = {
  CALL_STARTED: "call.started",
  CALL_ENDED: "call.ended",
  CONVERSATION_UPDATED: "conversation.updated",
  CALL_TRANSFERRED: "call.transferred",
  IVR_SESSION_STARTED: "ivr.session.started",
  IVR_SESSION_ENDED: "ivr.session.ended",
} as const;

export type WebhookEvent = (typeof WebhookEvent)[keyof typeof WebhookEvent];

/** Sent by `testWebhook` only; nobody subscribes to it. */
export const TEST_EVENT = "webhook.test";

/** A JSON Schema (draft 2020-12) document. */
export type JsonSchema = Record<string, unknown> | boolean;

/** One entry of the event catalog: what subscribers may receive, and the shape of its `data`. */
export interface EventType {
  name: string;
  description: string;
  /** The payload's (`data`'s) JSON Schema, draft 2020-12; null accepts any JSON. */
  schema: JsonSchema | null;
  /** An example payload, shown in the catalog and the OpenAPI document. */
  example: unknown;
  /** Still delivered; subscribers are told to move off it. */
  deprecated: boolean;
  /** No longer triggered nor subscribable; kept so old messages still name a known type. */
  archived: boolean;
}

/** What an operator writes to define an event type: everything but the name and description is optional. */
export interface EventTypeDefinition {
  name: string;
  description: string;
  schema?: JsonSchema | null;
  example?: unknown;
  deprecated?: boolean;
  archived?: boolean;
}

export type EventTypeUpdates = Partial<Omit<EventTypeDefinition, "name">>;

export function eventType(definition: EventTypeDefinition): EventType {
  return {
    name: definition.name,
    description: definition.description,
    schema: definition.schema ?? null,
    example: definition.example ?? null,
    deprecated: definition.deprecated ?? false,
    archived: definition.archived ?? false,
  };
}

export const EVENT_TYPES: readonly EventType[] = [
  { name: WebhookEvent.CALL_STARTED, description: "A call with one of your agents started." },
  { name: WebhookEvent.CALL_ENDED, description: "A call with one of your agents ended." },
  { name: WebhookEvent.CONVERSATION_UPDATED, description: "A conversation's transcript or state changed." },
  { name: WebhookEvent.CALL_TRANSFERRED, description: "An IVR handed a call to a person or another number." },
  { name: WebhookEvent.IVR_SESSION_STARTED, description: "A caller entered an IVR menu." },
  {
    name: WebhookEvent.IVR_SESSION_ENDED,
    description: "An IVR session ended (completed, abandoned, failed or timed out).",
  },
].map(eventType);

/**
 * Operational events, as Svix sends them: the system emits them about an owner's own webhooks, through the same
 * engine, to that owner's webhooks subscribed to them (their operational endpoint). Nobody else may trigger them.
 */
export const OperationalEvent = {
  ENDPOINT_DISABLED: "endpoint.disabled",
  ENDPOINT_ENABLED: "endpoint.enabled",
  MESSAGE_ATTEMPT_EXHAUSTED: "message.attempt.exhausted",
} as const;

export type OperationalEvent = (typeof OperationalEvent)[keyof typeof OperationalEvent];

export const OPERATIONAL_EVENT_TYPES: readonly EventType[] = [
  {
    name: OperationalEvent.ENDPOINT_DISABLED,
    description: "One of your webhooks was disabled: by you, after a 410 Gone, or after days of failures.",
  },
  { name: OperationalEvent.ENDPOINT_ENABLED, description: "One of your webhooks was enabled again." },
  {
    name: OperationalEvent.MESSAGE_ATTEMPT_EXHAUSTED,
    description: "A message to one of your webhooks failed its last attempt.",
  },
].map(eventType);

export const OPERATIONAL_EVENTS: readonly string[] = OPERATIONAL_EVENT_TYPES.map((type) => type.name);

export const WEBHOOK_EVENTS: readonly WebhookEvent[] = EVENT_TYPES.map((type) => type.name as WebhookEvent);

/** Whether the name is one of the built-in event types (an operator's catalog may hold more). */
export function isWebhookEvent(name: string): name is WebhookEvent {
  return (WEBHOOK_EVENTS as readonly string[]).includes(name);
}

/** `call.*` subscribes to `call.started`, `call.ended`…; `ivr.*` to `ivr.session.started` too. */
export function isEventPattern(name: string): boolean {
  return name.endsWith(".*");
}

/** The subscriptions that receive `event`: its name, and a `prefix.*` for each of its leading segments. */
export function subscriptionsFor(event: string): string[] {
  const segments = event.split(".");
  const patterns = [event];
  for (let n = segments.length - 1; n >= 1; n--) patterns.push(`${segments.slice(0, n).join(".")}.*`);
  return patterns;
}

export function subscribes(events: readonly string[], event: string): boolean {
  return subscriptionsFor(event).some((pattern) => events.includes(pattern));
}
