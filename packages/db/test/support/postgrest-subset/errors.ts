// PostgREST's error body ({code, message, details, hint}) and its table from SQLSTATE to HTTP status.

export interface ErrorBody {
  code: string;
  message: string;
  details: string | null;
  hint: string | null;
}

/** An error the stand-in raises itself (PGRST… codes), with the status PostgREST documents for it. */
export class RequestRefused extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: string | null = null,
    readonly hint: string | null = null,
  ) {
    super(message);
  }
}

const EXACT: Record<string, number> = {
  "23503": 409,
  "23505": 409,
  "25006": 405,
  "53400": 500,
  P0001: 400,
  "42883": 404,
  "42P01": 404,
  "42P17": 500,
};

const PREFIX: Array<[string, number]> = [
  ["08", 503],
  ["09", 500],
  ["0L", 403],
  ["0P", 403],
  ["25", 500],
  ["28", 403],
  ["2D", 500],
  ["38", 500],
  ["39", 500],
  ["3B", 500],
  ["40", 500],
  ["53", 503],
  ["54", 500],
  ["55", 500],
  ["57", 500],
  ["58", 500],
  ["F0", 500],
  ["HV", 500],
  ["P0", 500],
  ["XX", 500],
];

/** The status PostgREST answers a database error with; 42501 depends on whether the request had a user's JWT. */
export function statusOf(sqlState: string, authenticated: boolean): number {
  if (sqlState === "42501") return authenticated ? 403 : 401;
  const exact = EXACT[sqlState];
  if (exact) return exact;
  return PREFIX.find(([prefix]) => sqlState.startsWith(prefix))?.[1] ?? 400;
}

/** A database error (pg's DatabaseError) as PostgREST renders it. */
export function databaseErrorBody(error: {
  code?: string;
  message: string;
  detail?: string;
  hint?: string;
}): ErrorBody {
  return { code: error.code ?? "", message: error.message, details: error.detail ?? null, hint: error.hint ?? null };
}
