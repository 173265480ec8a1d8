// The SQL of the compliance adapters: one named, parameterised statement per operation. Where migration 010 has
// the operation as a function (shared with the Supabase adapter), the statement calls it: it exists once, in SQL.

/** A page of the user's trail, newest first, after the position ($3, $4: NULL for the first page). */
export const selectAuditPage = `
  SELECT id, user_id, actor_id, action, resource_type, resource_id, metadata, created_at
    FROM public.vx_audit_page($1, $2, $3, $4)`;

/** One bounded batch of a retention target ($1): expired rows oldest first, skipping rows others hold. */
export const deleteExpiredBatch = "SELECT public.vx_delete_expired_batch($1, $2, $3) AS deleted";

export const insertAuditEntry = `
  INSERT INTO public.audit_logs (user_id, actor_id, action, resource_type, resource_id, metadata, created_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7)`;

export const selectConsents = `
  SELECT purpose, granted, granted_at, withdrawn_at, updated_at FROM public.consents
   WHERE user_id = $1 ORDER BY purpose`;

/** All changes in one statement; a purpose already in the asked state is left alone. */
export const applyConsents = "SELECT public.vx_apply_consents($1, $2, $3, $4) AS changed";

/** Every table's rows of the user ($1 must be the caller: run it in `db.asUser`), secrets and hashes left out. */
export const exportUserData = "SELECT public.vx_export_user_data($1) AS tables";

/** Every row of the user and an audit entry naming nobody, in one statement, so one transaction. */
export const eraseUserData = "SELECT public.vx_erase_user_data($1, $2, $3) AS deleted";
