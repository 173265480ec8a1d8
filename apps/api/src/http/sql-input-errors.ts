/**
 * The safety net under input validation: a Postgres error that says the request's data were refused (a check,
 * not-null or length rule, text that is not a number or uuid) is a client error in our own words, never a 500
 * and never Postgres's own text. Validation should catch these first; reaching here is a gap worth closing.
 */

/** Our words for the SQLSTATEs of bad data (class 22) and broken rules (class 23). */
const REASONS: Record<string, string> = {
  "23502": "a required value is missing",
  "23514": "a value breaks one of the rules for this resource",
  "22001": "a value is longer than allowed",
  "22003": "a number is out of range",
  "22007": "a date or time is not valid",
  "22008": "a date or time is out of range",
  "22021": "text contains a character that cannot be stored",
  "22P02": "a value is not in the expected format",
  "22P05": "text contains a character that cannot be stored",
  "54001": "a value is nested too deeply",
};

const DATA_EXCEPTION = /^22[0-9A-Z]{3}$/;

/** How far down `cause` chains we look: domain errors wrap adapter errors, which wrap the driver's. */
const MAX_CAUSES = 5;

/** A Postgres error's SQLSTATE: a five-character code on an error that also says how severe it is. */
function sqlStateOf(error: unknown): string | undefined {
  if (error === null || typeof error !== "object") return undefined;
  const { code, severity } = error as { code?: unknown; severity?: unknown };
  if (typeof code !== "string" || !/^[0-9A-Z]{5}$/.test(code)) return undefined;
  // pg and PGlite set `severity`; PostgREST errors carry the SQLSTATE in `code` and a `details` field.
  return typeof severity === "string" || "details" in error ? code : undefined;
}

export interface SqlCause {
  state: string;
  /** The driver's own text: it must never reach a response. */
  message: string;
}

/** The Postgres error somewhere in this error's cause chain, or undefined. */
export function findSqlCause(error: unknown): SqlCause | undefined {
  let current = error;
  for (let depth = 0; depth <= MAX_CAUSES && current; depth++) {
    const state = sqlStateOf(current);
    if (state) return { state, message: String((current as { message?: unknown }).message ?? "") };
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Our sentence for a data or rule SQLSTATE, or undefined when the SQLSTATE is not about the input. */
export function sqlInputReason(state: string): string | undefined {
  return REASONS[state] ?? (DATA_EXCEPTION.test(state) ? "a value is not one the database can store" : undefined);
}
