/** The HTTP problems of the webhook routes, and WebhookError turned into them. */
import { isWebhookError, type PayloadProblem, type WebhookError, type WebhookErrorCode } from "@vx/webhooks";
import { ApiError, type ErrorMapping, type FieldError } from "../../route-kit.js";

export type WebhookProblemCode =
  | "webhook_not_found"
  | "webhook_url_invalid"
  | "webhook_url_not_allowed"
  | "webhook_agent_invalid"
  | "unknown_event"
  | "event_payload_too_large"
  | "webhook_message_in_flight"
  | "idempotency_key_reused"
  | "event_payload_invalid"
  | "event_reserved"
  | "event_type_schema_invalid"
  | "event_type_exists"
  | "event_type_not_found";

export const WEBHOOK_PROBLEMS: Record<WebhookProblemCode, ErrorMapping> = {
  webhook_not_found: { status: 404, title: "Webhook not found" },
  webhook_url_invalid: { status: 422, title: "Invalid webhook URL" },
  webhook_url_not_allowed: { status: 422, title: "Webhook URL not allowed" },
  webhook_agent_invalid: { status: 422, title: "Unknown agent" },
  // The detail lists the known event names.
  unknown_event: { status: 422, title: "Unknown event type" },
  event_payload_too_large: { status: 413, title: "Event payload too large" },
  webhook_message_in_flight: { status: 409, title: "Message is being sent" },
  // As Stripe answers: a key names one request; the same request again is a duplicate, another one a conflict.
  idempotency_key_reused: { status: 409, title: "Idempotency key reused for another request" },
  // `errors` names each failing path of the payload (`body.payload/amount`).
  event_payload_invalid: { status: 422, title: "Event payload does not match its schema" },
  event_reserved: { status: 422, title: "Event type sent by the system only" },
  event_type_schema_invalid: { status: 422, title: "Invalid JSON Schema" },
  event_type_exists: { status: 409, title: "Event type exists already" },
  event_type_not_found: { status: 404, title: "Event type not found" },
};

const PROBLEM_OF: Partial<Record<WebhookErrorCode, WebhookProblemCode>> = {
  not_found: "webhook_not_found",
  invalid_url: "webhook_url_invalid",
  url_not_allowed: "webhook_url_not_allowed",
  invalid_agent: "webhook_agent_invalid",
  unknown_event: "unknown_event",
  payload_too_large: "event_payload_too_large",
  message_in_flight: "webhook_message_in_flight",
  idempotency_key_reused: "idempotency_key_reused",
  invalid_payload: "event_payload_invalid",
  reserved_event: "event_reserved",
  invalid_schema: "event_type_schema_invalid",
  event_type_exists: "event_type_exists",
  event_type_not_found: "event_type_not_found",
};

/**
 * Runs domain work; a WebhookError becomes its problem (input errors a 400 `validation_failed` on the field the
 * error names, under `field`).
 */
export async function domain<T>(work: () => Promise<T>, field = "body"): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!isWebhookError(error)) throw error;
    const problem = PROBLEM_OF[error.code];
    if (problem)
      throw new ApiError<WebhookProblemCode>(problem, error.message, {
        cause: error,
        errors: fieldErrors(error, field),
      });
    throw new ApiError("validation_failed", error.message, {
      cause: error,
      errors: fieldErrors(error, field) ?? [{ field, message: error.message }],
    });
  }
}

/** The fields a WebhookError names: its `details.field`, or each failing path of an event's payload. */
function fieldErrors(error: WebhookError, field: string): FieldError[] | undefined {
  const details = error.details as { field?: string; errors?: PayloadProblem[] } | undefined;
  if (error.code === "invalid_payload" && details?.errors) {
    return details.errors.map((problem) => ({ field: `${field}.payload${problem.path}`, message: problem.message }));
  }
  return details?.field ? [{ field: `${field}.${details.field}`, message: error.message }] : undefined;
}
