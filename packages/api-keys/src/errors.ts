// The one error class of @vx/api-keys: a stable `code` callers switch on, never the message.
export type ApiKeyErrorCode = "INVALID_INPUT" | "NOT_FOUND" | "IDENTITY_NOT_FOUND" | "IDENTITY_EXISTS";

/** One bad field of an input and why, e.g. `{ field: "rate_limit", message: "must be a positive integer" }`. */
export interface FieldIssue {
  field: string;
  message: string;
}

export class ApiKeyError extends Error {
  override readonly name = "ApiKeyError";
  readonly code: ApiKeyErrorCode;
  readonly issues: FieldIssue[];

  constructor(code: ApiKeyErrorCode, message: string, options: { issues?: FieldIssue[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.issues = options.issues ?? [];
  }

  static notFound(): ApiKeyError {
    // The same answer for "missing" and "someone else's": existence is never revealed.
    return new ApiKeyError("NOT_FOUND", "API key not found");
  }

  static identityNotFound(): ApiKeyError {
    return new ApiKeyError("IDENTITY_NOT_FOUND", "Identity not found");
  }

  static identityExists(externalId: string): ApiKeyError {
    return new ApiKeyError("IDENTITY_EXISTS", `You already have an identity with external_id "${externalId}"`);
  }

  static invalid(issues: FieldIssue[]): ApiKeyError {
    const summary = issues.map((i) => `${i.field} ${i.message}`).join("; ");
    return new ApiKeyError("INVALID_INPUT", `invalid API key input: ${summary}`, { issues });
  }
}

export function isApiKeyError(error: unknown): error is ApiKeyError {
  return error instanceof ApiKeyError;
}
