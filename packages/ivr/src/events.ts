// What happens to a call, as the engine's input: the caller's keys, silence, going back, hanging up.

export interface StartEvent {
  type: "start";
  menuId: string;
}

/**
 * Keys the caller pressed. By default `digits` is one whole entry as gathered (Twilio's `Digits`);
 * with `partial: true` they are keys as they arrive, buffered until an entry is complete.
 */
export interface DigitsEvent {
  type: "digits";
  digits: string;
  partial?: boolean;
}

/** The gather ran out: no input at all, or (with buffered keys) the inter-digit timeout. */
export interface TimeoutEvent {
  type: "timeout";
}

export interface BackEvent {
  type: "back";
}

/** The call is over: hung up by the caller (`abandoned`), or closed by the idle sweep (`timeout`). */
export interface EndEvent {
  type: "end";
  reason?: "caller_hangup" | "idle";
}

export type IvrEvent = StartEvent | DigitsEvent | TimeoutEvent | BackEvent | EndEvent;
