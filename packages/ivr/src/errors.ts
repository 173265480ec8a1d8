// The one error class of @vx/ivr: a stable `code` callers switch on, never the message.
import type { MenuIssue } from "./validation.js";

export type IvrErrorCode =
  | "invalid_menu"
  | "menu_not_found"
  | "menu_in_use"
  | "session_not_found"
  | "session_exists"
  | "session_ended"
  | "invalid_digits"
  | "invalid_event"
  | "session_conflict";

export class IvrError extends Error {
  override readonly name = "IvrError";
  readonly code: IvrErrorCode;
  /** For `invalid_menu`: every problem found, each naming its menu and item. */
  readonly issues: MenuIssue[];

  constructor(code: IvrErrorCode, message: string, options: { issues?: MenuIssue[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.issues = options.issues ?? [];
  }

  static invalidMenu(issues: MenuIssue[]): IvrError {
    return new IvrError("invalid_menu", `invalid IVR menu: ${issues.map((i) => i.message).join("; ")}`, { issues });
  }

  static menuNotFound(): IvrError {
    // The same answer for "missing" and "someone else's": existence is never revealed.
    return new IvrError("menu_not_found", "IVR menu not found");
  }

  static sessionNotFound(): IvrError {
    return new IvrError("session_not_found", "IVR session not found");
  }
}

export function isIvrError(error: unknown): error is IvrError {
  return error instanceof IvrError;
}
