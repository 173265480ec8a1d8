-- The SQL functions every adapter shares: exact key verification, scope matching, who may call what,
-- and the audit trail the triggers write.
BEGIN;
CREATE SCHEMA IF NOT EXISTS extensions;
CREATE EXTENSION IF NOT EXISTS pgtap WITH SCHEMA extensions;
SET LOCAL search_path = public, extensions;
GRANT USAGE ON SCHEMA extensions TO authenticated, service_role;

SELECT plan(15);

INSERT INTO auth.users (id) VALUES
  ('44444444-4444-4444-8444-444444444444'),
  ('55555555-5555-4555-8555-555555555555');
INSERT INTO api_keys (id, user_id, name, key_prefix, key_hash, usage_quota, rate_limit) VALUES
  ('44444444-0000-4000-8000-000000000001', '44444444-4444-4444-8444-444444444444', 'quota 2', 'vx_ddddddd',
   repeat('d', 64), 2, 100);

INSERT INTO api_keys (user_id, name, key_prefix, key_hash, scopes) VALUES
  ('44444444-4444-4444-8444-444444444444', 'webhooks only', 'vx_fffffff', repeat('f', 64), ARRAY['webhooks:*']),
  ('44444444-4444-4444-8444-444444444444', 'everything', 'vx_0000000', repeat('0', 64), ARRAY['*']);

-- Scopes: `*` meets everything, `res:*` meets any action on res, every required scope must be met.
SELECT results_eq(
  $$SELECT code FROM vx_verify_api_keys(ARRAY[repeat('f', 64), repeat('f', 64), repeat('f', 64)],
      ARRAY['webhooks:write', 'ivr:read', 'webhooks:read ivr:read'], ARRAY[1, 1, 1], '2026-01-01 10:00:00+00') ORDER BY ord$$,
  ARRAY['VALID', 'INSUFFICIENT_SCOPE', 'INSUFFICIENT_SCOPE'],
  'webhooks:* meets webhooks:write and nothing outside webhooks');
SELECT results_eq(
  $$SELECT code FROM vx_verify_api_keys(ARRAY[repeat('0', 64)], ARRAY['ivr:write audit_logs:read'], ARRAY[1],
      '2026-01-01 10:00:00+00')$$,
  ARRAY['VALID'], '* meets any scope');

-- Three requests in one batch against a quota of 2: exactly two count.
SELECT results_eq(
  $$SELECT code FROM vx_verify_api_keys(ARRAY[repeat('d', 64), repeat('d', 64), repeat('d', 64), repeat('9', 64)],
      ARRAY['', '', '', ''], ARRAY[1, 1, 1, 1], '2026-01-01 10:30:00+00') ORDER BY ord$$,
  ARRAY['VALID', 'VALID', 'USAGE_EXCEEDED', 'NOT_FOUND'],
  'a batch of verifications counts exactly up to the quota; unknown hashes are NOT_FOUND');
SELECT results_eq(
  $$SELECT usage_count FROM api_keys WHERE id = '44444444-0000-4000-8000-000000000001'$$, ARRAY[2],
  'only the valid verifications were counted');
SELECT results_eq(
  $$SELECT request_count FROM api_key_usage_hourly WHERE key_id = '44444444-0000-4000-8000-000000000001'
      AND hour = '2026-01-01 10:00:00+00'$$, ARRAY[2],
  'and they landed in their clock-hour bucket');
SELECT results_eq(
  $$SELECT code FROM vx_verify_api_keys(ARRAY[repeat('d', 64)], ARRAY[''], ARRAY[1], '2026-01-01 11:00:00+00')$$,
  ARRAY['USAGE_EXCEEDED'], 'a spent quota stays spent in the next hour');

-- Who may call what.
SELECT function_privs_are('public', 'vx_verify_api_keys', ARRAY['text[]', 'text[]', 'integer[]', 'timestamp with time zone'],
  'authenticated', ARRAY[]::text[], 'users cannot verify keys (and count usage) themselves');
SELECT function_privs_are('public', 'vx_webhook_claim', ARRAY['text', 'integer', 'timestamp with time zone', 'integer'],
  'authenticated', ARRAY[]::text[], 'users cannot claim webhook deliveries');
SELECT function_privs_are('public', 'vx_webhook_claim', ARRAY['text', 'integer', 'timestamp with time zone', 'integer'],
  'service_role', ARRAY['EXECUTE'], 'the service role claims webhook deliveries');

-- The audit trail, written by triggers in the same transaction, readable by its user only.
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', '{"sub": "44444444-4444-4444-8444-444444444444", "role": "authenticated"}', true);
INSERT INTO api_keys (id, user_id, name, key_prefix, key_hash) VALUES
  ('44444444-0000-4000-8000-000000000002', '44444444-4444-4444-8444-444444444444', 'audited', 'vx_eeeeeee', repeat('e', 64));
UPDATE api_keys SET enabled = false WHERE id = '44444444-0000-4000-8000-000000000002';
SELECT results_eq(
  $$SELECT action::text FROM audit_logs WHERE resource_id = '44444444-0000-4000-8000-000000000002' ORDER BY created_at, action$$,
  ARRAY['api_key.created', 'api_key.revoked'], 'creating and revoking a key are audited');
SELECT results_eq(
  $$SELECT DISTINCT actor_id FROM audit_logs WHERE resource_id = '44444444-0000-4000-8000-000000000002'$$,
  ARRAY['44444444-4444-4444-8444-444444444444'::uuid], 'with the acting user');
SELECT ok(
  (SELECT bool_and(NOT (metadata::text LIKE '%' || repeat('e', 64) || '%')) FROM audit_logs),
  'audit metadata never holds the key hash');
SELECT throws_ok($$INSERT INTO audit_logs (user_id, action, resource_type) VALUES
  ('44444444-4444-4444-8444-444444444444', 'api_key.forged', 'api_key')$$, '42501', NULL,
  'users cannot write audit entries themselves');

SELECT set_config('request.jwt.claims', '{"sub": "55555555-5555-4555-8555-555555555555", "role": "authenticated"}', true);
SELECT is_empty($$SELECT 1 FROM audit_logs$$, 'another user sees none of those entries');
SELECT throws_ok($$INSERT INTO consents (user_id, purpose, granted, granted_at) VALUES
  ('44444444-4444-4444-8444-444444444444', 'marketing', true, now())$$, '42501', NULL,
  'a user cannot record consent for someone else');

SELECT * FROM finish();
ROLLBACK;
