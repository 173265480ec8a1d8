/** ApiError: the one error class of the API app, with a stable `code` that maps to an HTTP status and problem type. */

/** Every code the app itself produces. Route plugins register their domain packages' codes through `ctx.errors`. */
export type ApiErrorCode =
  | "bad_request"
  | "validation_failed"
  | "invalid_json"
  | "unsupported_media_type"
  | "payload_too_large"
  | "invalid_cursor"
  | "unauthorized"
  | "invalid_token"
  | "token_expired"
  | "unsupported_credentials"
  | "forbidden"
  | "insufficient_scope"
  | "not_found"
  | "method_not_allowed"
  | "rate_limited"
  | "internal"
  | "service_unavailable"
  | "database_unavailable"
  | "invalid_config"
  | "no_jwt_secret";

export interface FieldError {
  /** Where the bad value is: `body.name`, `query.limit`, `params.id`. */
  field: string;
  message: string;
}

/**
 * The app's error. Route plugins may use it for their own registered codes instead of declaring a class:
 * `new ApiError<IvrRouteProblemCode>("twilio_signature_invalid", "…")`; without the type argument only the
 * built-in codes type-check.
 */
export class ApiError<Code extends string = ApiErrorCode> extends Error {
  readonly code: Code;
  readonly errors?: FieldError[];

  constructor(code: NoInfer<Code>, message: string, options: { cause?: unknown; errors?: FieldError[] } = {}) {
    super(message, { cause: options.cause });
    this.name = "ApiError";
    this.code = code;
    this.errors = options.errors;
  }
}

export function isApiError(error: unknown): error is ApiError<string> {
  return error instanceof ApiError;
}
