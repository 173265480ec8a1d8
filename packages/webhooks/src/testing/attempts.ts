/** The record of a successful attempt at a claimed message (200, "ok"), for tests that claim and record. */
import type { AttemptRecord, ClaimedMessage } from "../model.js";

export function deliveredAttempt(message: ClaimedMessage, overrides: Partial<AttemptRecord> = {}): AttemptRecord {
  return {
    message_id: message.id,
    attempt_number: message.attempt_number,
    status_code: 200,
    response_body: "ok",
    error: null,
    outcome: "delivered",
    next_attempt_at: null,
    disable_reason: null,
    ...overrides,
  };
}
