// The one error class of @vx/compliance: a stable `code` callers switch on, never the message.
export type ComplianceErrorCode = "INVALID_USER_ID" | "INVALID_PAGE" | "INVALID_RETENTION" | "INVALID_CONSENT";

export class ComplianceError extends Error {
  override readonly name = "ComplianceError";
  readonly code: ComplianceErrorCode;

  constructor(code: ComplianceErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

export function isComplianceError(error: unknown): error is ComplianceError {
  return error instanceof ComplianceError;
}
