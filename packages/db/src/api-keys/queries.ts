// The SQL of PgApiKeyRepository: one named, parameterised statement per operation.
const COLUMNS =
  "id, user_id, name, key_prefix, key_hash, last_used_at, expires_at, rate_limit, usage_quota, usage_count, " +
  "enabled, scopes, created_at, updated_at, meta, ratelimits, credits_remaining, credits_refill, identity_id";

/** `$n::uuid IS NULL OR user_id = $n`: the owner filter, in the same statement as the work. */
const owner = (n: number) => `($${n}::uuid IS NULL OR user_id = $${n}::uuid)`;

export const insertKey = `
  INSERT INTO public.api_keys
    (user_id, name, key_prefix, key_hash, expires_at, rate_limit, usage_quota, scopes, created_at, updated_at,
     meta, ratelimits, credits_remaining, credits_refill, credits_refilled_at, identity_id)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11, $12, $13, $9, $14)
  RETURNING ${COLUMNS}`;

export const selectKeyByHash = `SELECT ${COLUMNS} FROM public.api_keys WHERE key_hash = $1`;

export const selectKeyById = `SELECT ${COLUMNS} FROM public.api_keys WHERE id = $1 AND ${owner(2)}`;

export const selectKeysByUser = `
  SELECT ${COLUMNS} FROM public.api_keys WHERE user_id = $1 ORDER BY created_at DESC, id DESC`;

/**
 * A page of them after a position ($2, $3; none: from the newest), one identity's when $4 is given. The position is
 * created_at as exact text: a Date would drop its microseconds and the keyset would skip or repeat keys.
 */
export const selectKeysPage = `
  SELECT ${COLUMNS}, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS position_at
  FROM public.api_keys
  WHERE user_id = $1 AND ($4::uuid IS NULL OR identity_id = $4::uuid)
    AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid))
  ORDER BY created_at DESC, id DESC LIMIT $5`;

/** Each setting has a "given" flag so one statement serves every combination of changes. */
export const updateKey = `
  UPDATE public.api_keys SET
    name = CASE WHEN $3 THEN $4 ELSE name END,
    expires_at = CASE WHEN $5 THEN $6::timestamptz ELSE expires_at END,
    rate_limit = CASE WHEN $7 THEN $8::integer ELSE rate_limit END,
    usage_quota = CASE WHEN $9 THEN $10::integer ELSE usage_quota END,
    enabled = CASE WHEN $11 THEN $12::boolean ELSE enabled END,
    scopes = CASE WHEN $13 THEN $14::text[] ELSE scopes END,
    meta = CASE WHEN $15 THEN $16::jsonb ELSE meta END,
    ratelimits = CASE WHEN $17 THEN $18::jsonb ELSE ratelimits END,
    credits_remaining = CASE WHEN $19 THEN $20::integer ELSE credits_remaining END,
    credits_refill = CASE WHEN $19 THEN $21::jsonb ELSE credits_refill END,
    credits_refilled_at = CASE WHEN $19 THEN $22::timestamptz ELSE credits_refilled_at END,
    identity_id = CASE WHEN $23 THEN $24::uuid ELSE identity_id END
  WHERE id = $1 AND ${owner(2)}
  RETURNING ${COLUMNS}`;

export const deleteKey = `DELETE FROM public.api_keys WHERE id = $1 AND ${owner(2)}`;

export const recordUsage = `SELECT ${COLUMNS} FROM public.vx_record_api_key_usage($1, $2, $3)`;

/** Owners' credit changes (migration 015): the due refill, then the change, under the row lock. */
export const changeCredits = "SELECT public.vx_api_key_credits($1, $2, $3, $4, $5, $6) AS remaining";
export const changeCreditsRefill = "SELECT public.vx_credits_set_refill($1, $2, $3, $4, $5) AS remaining";

const IDENTITY_COLUMNS =
  "id, user_id, external_id, meta, ratelimits, credits_remaining, credits_refill, created_at, updated_at";

/** A taken external id inserts nothing (and returns no row), whoever took it first. */
export const insertIdentity = `
  INSERT INTO public.api_key_identities
    (user_id, external_id, meta, ratelimits, credits_remaining, credits_refill, credits_refilled_at, created_at,
     updated_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $7)
  ON CONFLICT (user_id, external_id) DO NOTHING
  RETURNING ${IDENTITY_COLUMNS}`;

export const selectIdentity = `SELECT ${IDENTITY_COLUMNS} FROM public.api_key_identities WHERE id = $1 AND ${owner(2)}`;

/**
 * A page of identities in external_id order, on the (user_id, external_id) unique index: an index range from `after`
 * ('' sorts before every external id, which is never empty), so a late page costs what the first one does.
 */
export const selectIdentitiesByUser = `
  SELECT ${IDENTITY_COLUMNS} FROM public.api_key_identities
  WHERE user_id = $1 AND external_id > coalesce($2, '') ORDER BY external_id LIMIT $3`;

/** The same with one external id: an index lookup (a separate statement, so no plan has to guess which). */
export const selectIdentityByExternalId = `
  SELECT ${IDENTITY_COLUMNS} FROM public.api_key_identities
  WHERE user_id = $1 AND external_id > coalesce($2, '') AND external_id = $4 LIMIT $3`;

export const updateIdentity = `
  UPDATE public.api_key_identities SET
    meta = CASE WHEN $3 THEN $4::jsonb ELSE meta END,
    ratelimits = CASE WHEN $5 THEN $6::jsonb ELSE ratelimits END,
    credits_remaining = CASE WHEN $7 THEN $8::integer ELSE credits_remaining END,
    credits_refill = CASE WHEN $7 THEN $9::jsonb ELSE credits_refill END,
    credits_refilled_at = CASE WHEN $7 THEN $10::timestamptz ELSE credits_refilled_at END
  WHERE id = $1 AND ${owner(2)}
  RETURNING ${IDENTITY_COLUMNS}`;

export const deleteIdentity = `DELETE FROM public.api_key_identities WHERE id = $1 AND ${owner(2)}`;

export const selectUsage = `
  SELECT hour, request_count, valid_count, rate_limited_count, usage_exceeded_count, disabled_count, expired_count,
    insufficient_scope_count
  FROM public.api_key_usage_hourly
  WHERE key_id = $1 AND ($2::timestamptz IS NULL OR hour >= $2) AND ($3::timestamptz IS NULL OR hour < $3)
    AND ${owner(4)}
  ORDER BY hour`;

/** Several keys' buckets (an identity's) summed per hour, in one query. */
export const selectUsageOfKeys = `
  SELECT hour, sum(request_count)::int AS request_count, sum(valid_count)::int AS valid_count,
    sum(rate_limited_count)::int AS rate_limited_count, sum(usage_exceeded_count)::int AS usage_exceeded_count,
    sum(disabled_count)::int AS disabled_count, sum(expired_count)::int AS expired_count,
    sum(insufficient_scope_count)::int AS insufficient_scope_count
  FROM public.api_key_usage_hourly
  WHERE key_id = ANY ($1::uuid[]) AND ($2::timestamptz IS NULL OR hour >= $2) AND ($3::timestamptz IS NULL OR hour < $3)
    AND ${owner(4)}
  GROUP BY hour
  ORDER BY hour`;

/**
 * Rotation in one statement (migration 010, shared with the Supabase adapter's rpc): lock the old key, shorten its
 * life to the grace end (never lengthen it), and insert the replacement with its settings and as long a lifetime.
 */
export const rotateKey = `SELECT ${COLUMNS} FROM public.vx_rotate_api_key($1, $2, $3, $4, $5, $6)`;

/** Migration 015's verification: named limits, credits, identities and outcome counts in the same statement. */
export const verifyKeys =
  "SELECT * FROM public.vx_api_key_verify_batch($1::text[], $2::text[], $3::integer[], $4::text[], $5)";

/** One request: the function's one-UPDATE fast path; same result rows as verifyKeys. */
export const verifyKey = "SELECT * FROM public.vx_api_key_verify($1, $2::text[], $3, $4, $5)";
