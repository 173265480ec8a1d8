// The GDPR export document and the erasure report.

/** Rows by table name, as stored (snake_case columns), with secret and hash columns left out. */
export type ExportedTables = Record<string, Record<string, unknown>[]>;

/** Everything stored about one user, as one JSON document (`GET /v1/me/export`). */
export interface UserDataExport {
  format: typeof USER_DATA_EXPORT_FORMAT;
  user_id: string;
  /** ISO 8601. */
  exported_at: string;
  /**
   * Every table holding the user's rows: `api_keys` (no `key_hash`), `webhooks` (no `secret`), `webhook_logs`,
   * `agents`, `ivr_menus`, `ivr_sessions`, `audit_logs`, `consents`, and any table added later that carries
   * a `user_id` or belongs to such a table.
   */
  tables: ExportedTables;
}

export const USER_DATA_EXPORT_FORMAT = "vx.user-data-export.v1";

export interface ErasureReport {
  userId: string;
  /** SHA-256 (hex) of the user id: what the audit entry keeps, so the erasure can be matched to a request later. */
  subjectSha256: string;
  /** Rows deleted per table (rows removed by ON DELETE CASCADE are not counted). */
  deleted: Record<string, number>;
}

/**
 * Column names never exported: hashes, secrets, tokens, passwords. A table added later gets the same
 * treatment without anyone remembering to ask for it.
 */
export const SENSITIVE_COLUMN = /(secret|password|token|(^|_)hash$)/;
