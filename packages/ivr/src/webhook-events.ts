// Webhook events the IVR emits, through a callback the application wires to @vx/webhooks (or anything else).
import type { SessionState } from "./session-state.js";

export type IvrWebhookEvent = "ivr.session.started" | "ivr.session.ended" | "call.transferred";

export const IVR_WEBHOOK_EVENTS: readonly IvrWebhookEvent[] = [
  "ivr.session.started",
  "ivr.session.ended",
  "call.transferred",
];

/** Same shape as `webhookService.triggerEvent(event, payload, { userId })`. */
export type IvrEmit = (
  event: IvrWebhookEvent,
  payload: Record<string, unknown>,
  context: { userId: string },
) => unknown;

export interface EmittedEvent {
  event: IvrWebhookEvent;
  payload: Record<string, unknown>;
}

/** The events one step produces: started on entry, a hand-off when the call leaves for a person, ended at the end. */
export function eventsForStep(
  sessionId: string,
  before: SessionState | null,
  after: SessionState,
  at: Date,
  startedAt: Date,
): EmittedEvent[] {
  const events: EmittedEvent[] = [];
  const menuId = after.stack[after.stack.length - 1] ?? null;
  if (before === null) {
    events.push({
      event: "ivr.session.started",
      payload: { session_id: sessionId, menu_id: menuId, started_at: at.toISOString() },
    });
  }
  if (after.status === "active" || before?.status !== "active") return events;
  if (after.handOff) {
    events.push({
      event: "call.transferred",
      payload: {
        session_id: sessionId,
        menu_id: menuId,
        action: after.handOff.action,
        target: after.handOff.target,
        reason: after.endReason,
      },
    });
  }
  events.push({
    event: "ivr.session.ended",
    payload: {
      session_id: sessionId,
      menu_id: menuId,
      status: after.status,
      end_reason: after.endReason,
      ended_at: at.toISOString(),
      duration_ms: at.getTime() - startedAt.getTime(),
    },
  });
  return events;
}

/**
 * Hands events to `emit` without letting a webhook problem break a call: a throw or a rejected promise goes to
 * `onError` (default: ignored, since the call must go on). Resolves once `emit` has taken every event.
 */
export async function dispatchEvents(
  emit: IvrEmit | undefined,
  events: readonly EmittedEvent[],
  userId: string,
  onError: (error: unknown, event: EmittedEvent) => void = () => {},
): Promise<void> {
  if (!emit) return;
  for (const e of events) {
    try {
      await emit(e.event, e.payload, { userId });
    } catch (error) {
      onError(error, e);
    }
  }
}
