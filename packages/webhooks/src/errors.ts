/** WebhookError: the one error type of @vx/webhooks, with a stable `code` callers map (never the message). */

export type WebhookErrorCode =
  /** A field is missing or malformed (not the URL or events, which have their own codes). */
  | "invalid_input"
  /** The URL does not parse, or its scheme is not allowed (https only unless allowHttp). */
  | "invalid_url"
  /** The URL points at a loopback, private, link-local or metadata address. */
  | "url_not_allowed"
  /** An event name nobody publishes; `details.known` lists the ones that exist. */
  | "unknown_event"
  /** An event type's schema is not a valid JSON Schema (draft 2020-12), or is too large. */
  | "invalid_schema"
  /** triggerEvent: the payload does not match the event type's schema; `details.errors` lists the paths. */
  | "invalid_payload"
  /** defining an event type under a name that exists already. */
  | "event_type_exists"
  /** triggerEvent: the operational events (endpoint.*, message.attempt.exhausted) are the system's to send. */
  | "reserved_event"
  /** updating an event type that does not exist. */
  | "event_type_not_found"
  /** `agent_id` is not an agent of this user. */
  | "invalid_agent"
  /** No such webhook or message for this user. */
  | "not_found"
  /** replay: a worker is sending the message right now; it can be replayed once that attempt is recorded. */
  | "message_in_flight"
  /** triggerEvent: the idempotency key was used before for another event, agent or payload. */
  | "idempotency_key_reused"
  /** The event's JSON body is larger than `maxPayloadBytes`. */
  | "payload_too_large"
  /** A secret that is not `whsec_` + base64 of 24 to 64 bytes. */
  | "invalid_secret"
  /** A stored secret names an encryption key the keyring does not hold (a key dropped too soon, or missing). */
  | "secret_key_unknown"
  /** The keyring holds the key a stored secret names, but it does not decrypt it (a wrong key, or altered data). */
  | "secret_undecryptable"
  /** verifyWebhook: a webhook-id, webhook-timestamp or webhook-signature header is missing. */
  | "missing_headers"
  /** verifyWebhook: no signature matches the body. */
  | "invalid_signature"
  /** verifyWebhook: the timestamp is further from now than the tolerance (a replay, or a skewed clock). */
  | "timestamp_out_of_range"
  /** verifyWebhook: the body is not a string or bytes, or it is correctly signed but not JSON. */
  | "invalid_body";

export class WebhookError extends Error {
  override readonly name = "WebhookError";
  readonly code: WebhookErrorCode;
  readonly details?: Readonly<Record<string, unknown>>;

  constructor(
    code: WebhookErrorCode,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
  }
}

export function isWebhookError(error: unknown, code?: WebhookErrorCode): error is WebhookError {
  return error instanceof WebhookError && (code === undefined || error.code === code);
}
