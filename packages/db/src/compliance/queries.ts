// The SQL of the compliance adapters: one named, parameterised statement per operation.

/** Exact UTC text of a timestamp (microseconds kept), the form AuditEntry.createdAt and page positions use. */
const exact = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const AUDIT_COLUMNS = `id, user_id, actor_id, action, resource_type, resource_id, metadata, ${exact("created_at")} AS created_at`;

export const selectAuditFirstPage = `
  SELECT ${AUDIT_COLUMNS} FROM public.audit_logs
   WHERE user_id = $1
   ORDER BY created_at DESC, id DESC
   LIMIT $2`;

export const selectAuditPageAfter = `
  SELECT ${AUDIT_COLUMNS} FROM public.audit_logs
   WHERE user_id = $1 AND (created_at, id) < ($3::timestamptz, $4::uuid)
   ORDER BY created_at DESC, id DESC
   LIMIT $2`;

/**
 * One bounded batch: the subquery picks at most $2 expired rows (oldest first, through the index) and
 * skips rows other transactions hold, so clean-up never waits on live traffic nor makes it wait for long.
 */
function deleteBatch(table: string, column: string): string {
  return `
  DELETE FROM public.${table} WHERE id IN (
    SELECT id FROM public.${table} WHERE ${column} < $1 ORDER BY ${column} LIMIT $2 FOR UPDATE SKIP LOCKED)`;
}

export const deleteAuditBatch = deleteBatch("audit_logs", "created_at");
export const deleteWebhookLogBatch = deleteBatch("webhook_logs", "created_at");
/** `ended_at < $1` never matches an active session (ended_at NULL); the partial index idx_ivr_sessions_ended_at serves it. */
export const deleteIvrSessionBatch = deleteBatch("ivr_sessions", "ended_at");

export const insertAuditEntry = `
  INSERT INTO public.audit_logs (user_id, actor_id, action, resource_type, resource_id, metadata, created_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7)`;

export const selectConsents = `
  SELECT purpose, granted, granted_at, withdrawn_at, updated_at FROM public.consents
   WHERE user_id = $1 ORDER BY purpose`;

/**
 * All changes in one statement. A grant sets granted_at and clears withdrawn_at; a withdrawal sets
 * withdrawn_at and keeps granted_at; a purpose already in the asked state is left alone (WHERE).
 */
export const upsertConsents = `
  INSERT INTO public.consents AS c (user_id, purpose, granted, granted_at, withdrawn_at, updated_at)
  SELECT $1, p.purpose, p.granted,
         CASE WHEN p.granted THEN $4::timestamptz END,
         CASE WHEN NOT p.granted THEN $4::timestamptz END,
         $4
    FROM unnest($2::text[], $3::boolean[]) AS p (purpose, granted)
  ON CONFLICT (user_id, purpose) DO UPDATE SET
    granted = excluded.granted,
    granted_at = CASE WHEN excluded.granted THEN excluded.updated_at ELSE c.granted_at END,
    withdrawn_at = CASE WHEN excluded.granted THEN NULL ELSE excluded.updated_at END,
    updated_at = excluded.updated_at
  WHERE c.granted IS DISTINCT FROM excluded.granted`;

/** Tables of the public schema with a `user_id` column: each row there belongs to a user. */
export const selectUserTables = `
  SELECT c.relname AS table
    FROM pg_class c
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'user_id' AND NOT a.attisdropped
   WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
   ORDER BY 1`;

/**
 * Foreign keys between public tables: the order deletes must go in, and (single-column ones) how rows
 * without a user_id belong to one (a log to its webhook). Composite keys report their first columns.
 */
export const selectForeignKeys = `
  SELECT child.relname AS child, ca.attname AS column, parent.relname AS parent, pa.attname AS parent_column,
         cardinality(k.conkey) = 1 AS single
    FROM pg_constraint k
    JOIN pg_class child ON child.oid = k.conrelid AND child.relnamespace = 'public'::regnamespace
    JOIN pg_class parent ON parent.oid = k.confrelid AND parent.relnamespace = 'public'::regnamespace
    JOIN pg_attribute ca ON ca.attrelid = child.oid AND ca.attnum = k.conkey[1]
    JOIN pg_attribute pa ON pa.attrelid = parent.oid AND pa.attnum = k.confkey[1]
   WHERE k.contype = 'f'
   ORDER BY 1, 2`;

/** Columns of the given public tables, and whether role authenticated may read the table (the export runs as it). */
export const selectColumns = `
  SELECT c.relname AS table, a.attname AS column, has_table_privilege('authenticated', c.oid, 'SELECT') AS readable
    FROM pg_class c
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
   WHERE c.relnamespace = 'public'::regnamespace AND c.relname = ANY ($1)
   ORDER BY 1, a.attnum`;
