// Postgres errors the IVR adapters turn into IvrError codes, so callers never match on SQL messages.
import { IvrError } from "@vx/ivr";

export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** A menu write refused by a constraint: a check (bad value) or the same-user parent foreign key. */
export function menuWriteError(error: unknown): unknown {
  const state = sqlState(error);
  if (state === "23503") {
    return new IvrError("invalid_menu", "parent_menu_id must be another menu of the same user", { cause: error });
  }
  if (state === "23514" || state === "23502" || state === "22P02") {
    return new IvrError("invalid_menu", `the menu breaks a database rule: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (state === "23505") return new IvrError("invalid_menu", "an IVR menu with this id exists", { cause: error });
  return error;
}

/** A session insert refused: the call id is taken, or the current menu does not exist (or is not a uuid). */
export function sessionWriteError(error: unknown, sessionId: string): unknown {
  const state = sqlState(error);
  if (state === "23505")
    return new IvrError("session_exists", `IVR session "${sessionId}" already exists`, { cause: error });
  if (state === "23503" || state === "22P02")
    return new IvrError("menu_not_found", "IVR menu not found", { cause: error });
  return error;
}
