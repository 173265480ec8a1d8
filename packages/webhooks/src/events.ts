/** The event types a webhook can subscribe to: the names the service and the API accept. */

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

export interface EventType {
  name: WebhookEvent;
  description: string;
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
];

export const WEBHOOK_EVENTS: readonly WebhookEvent[] = EVENT_TYPES.map((type) => type.name);

export function isWebhookEvent(name: string): name is WebhookEvent {
  return (WEBHOOK_EVENTS as readonly string[]).includes(name);
}
