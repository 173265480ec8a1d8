/**
 * Errors @vx/db raises for a person to act on, not for a program to catch and retry: each message is one line
 * that names what is wrong and the way out, so a CLI prints it as it is, without a stack trace.
 */
export type DbErrorCode =
  /** Another process holds the embedded data folder. */
  | "data_dir_in_use"
  /** The embedded data folder exists but PGlite cannot start it. */
  | "data_dir_damaged"
  /** The embedded data folder cannot be created or written: a file in its place, no permission, a read-only disk. */
  | "data_dir_unusable"
  /** Postgres did not answer within the configured wait (connection refused, reset, shutting down, too many clients). */
  | "database_unreachable"
  /** Postgres answered and refused us for good: missing database, unknown role, wrong password. */
  | "database_refused"
  /** Migrations were asked to run through a transaction pooler, which cannot keep their session lock. */
  | "migrations_need_session";

export class DbError extends Error {
  override readonly name = "DbError";
  readonly code: DbErrorCode;

  constructor(code: DbErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
