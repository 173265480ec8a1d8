-- Migration 010's functions (and later ones), which both adapters call (pg directly, supabase-js through /rpc): their
-- signatures, SECURITY INVOKER, who may execute them, and the behaviours the grants and RLS must guarantee.
BEGIN;
CREATE SCHEMA IF NOT EXISTS extensions;
CREATE EXTENSION IF NOT EXISTS pgtap WITH SCHEMA extensions;
SET LOCAL search_path = public, extensions;
GRANT USAGE ON SCHEMA extensions TO anon, authenticated, service_role;

SELECT plan(31);

-- The functions, so a renamed or re-typed one fails here and not only in an adapter.
CREATE TEMP TABLE rpc (signature text PRIMARY KEY, returns text NOT NULL, for_users boolean NOT NULL);
GRANT SELECT ON rpc TO anon, authenticated, service_role;
INSERT INTO rpc VALUES
  ('vx_rotate_api_key(uuid,uuid,text,text,timestamp with time zone,timestamp with time zone)', 'SETOF api_keys', true),
  ('vx_webhook_create_log(uuid,text,jsonb,integer,text,text,integer,timestamp with time zone,timestamp with time zone)',
   'SETOF webhook_logs', false),
  ('vx_webhook_purge_events(timestamp with time zone,integer)', 'integer', false),
  ('vx_webhook_message_attempts(uuid,uuid)', 'SETOF webhook_logs', true),
  ('vx_ivr_menu_with_submenus(uuid)', 'SETOF ivr_menus', true),
  ('vx_ivr_session_context(text)', 'json', true),
  ('vx_ivr_update_session(text,jsonb,integer)', 'SETOF ivr_sessions', false),
  ('vx_ivr_close_idle_sessions(timestamp with time zone,double precision)', 'SETOF ivr_sessions', false),
  ('vx_audit_page(uuid,integer,timestamp with time zone,uuid)',
   'TABLE(id uuid, user_id uuid, actor_id uuid, action text, resource_type text, resource_id uuid, metadata jsonb, created_at text)',
   true),
  ('vx_delete_expired_batch(text,timestamp with time zone,integer)', 'integer', false),
  ('vx_apply_consents(uuid,text[],boolean[],timestamp with time zone)', 'integer', true),
  ('vx_user_tables()',
   'TABLE(table_name text, owner_condition text, sensitive text[], readable boolean, has_created_at boolean)', true),
  ('vx_export_user_data(uuid)', 'jsonb', true),
  ('vx_erase_user_data(uuid,text,timestamp with time zone)', 'jsonb', false),
  -- The standalone rate limiter (migrations 015 and 024): system work, like verification.
  ('vx_ratelimit_batch(uuid[],text[],text[],integer[],bigint[],integer[],timestamp with time zone)',
   'TABLE(ord integer, success boolean, "limit" integer, duration_ms bigint, remaining integer, reset bigint, retry_at bigint, overridden boolean)',
   false),
  ('vx_ratelimit_prune(timestamp with time zone,integer)', 'integer', false),
  -- Owners change their own credits (migrations 015 and 025).
  ('vx_api_key_credits(text,uuid,uuid,text,integer,timestamp with time zone)', 'integer', true),
  ('vx_credits_set_refill(text,uuid,uuid,jsonb,timestamp with time zone)', 'integer', true);

CREATE TEMP VIEW rpc_found AS
  SELECT p.oid, p.oid::regprocedure::text AS signature, pg_get_function_result(p.oid) AS returns, p.prosecdef,
         p.proconfig
    FROM pg_proc p
   WHERE p.pronamespace = 'public'::regnamespace
     AND p.proname IN (SELECT split_part(signature, '(', 1) FROM rpc);
GRANT SELECT ON rpc_found TO anon, authenticated, service_role;

SELECT set_eq(
  'SELECT signature, returns FROM rpc_found', 'SELECT signature, returns FROM rpc',
  'each function exists once, with the argument and result types the adapters call it with');
SELECT is_empty(
  'SELECT signature FROM rpc_found WHERE prosecdef',
  'every one is SECURITY INVOKER: grants and row level security decide as for any request');
SELECT is_empty(
  $$SELECT signature FROM rpc_found WHERE NOT coalesce(proconfig, '{}') @> ARRAY['search_path=""']$$,
  'every one pins an empty search_path, so a caller''s objects cannot stand in for public ones');

-- Who may execute what: users their own work, the service role everything, anon (and PUBLIC) nothing.
SELECT set_eq(
  $$SELECT signature FROM rpc_found WHERE has_function_privilege('authenticated', oid, 'EXECUTE')$$,
  'SELECT signature FROM rpc WHERE for_users',
  'authenticated may execute exactly the functions on the user''s own rows');
SELECT set_eq(
  $$SELECT signature FROM rpc_found WHERE has_function_privilege('service_role', oid, 'EXECUTE')$$,
  'SELECT signature FROM rpc',
  'service_role may execute all of them');
SELECT is_empty(
  $$SELECT signature FROM rpc_found WHERE has_function_privilege('anon', oid, 'EXECUTE')$$,
  'anon may execute none of them');

-- Two users with a little of everything; C has only an audit trail, for paging.
INSERT INTO auth.users (id) VALUES
  ('a0000000-0000-4000-8000-000000000000'),
  ('b0000000-0000-4000-8000-000000000000'),
  ('c0000000-0000-4000-8000-000000000000');
INSERT INTO api_keys (id, user_id, name, key_prefix, key_hash) VALUES
  ('a0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000000', 'a', 'vx_a000000', repeat('1', 64)),
  ('b0000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000000', 'b', 'vx_b000000', repeat('2', 64));
INSERT INTO webhooks (id, user_id, url, events, secret) VALUES
  ('a0000000-0000-4000-8000-000000000002', 'a0000000-0000-4000-8000-000000000000', 'https://a.example',
   '{call.started}', 'whsec_aaaaaaaaaaaaaaaa');
INSERT INTO webhook_logs (webhook_id, event) VALUES ('a0000000-0000-4000-8000-000000000002', 'call.started');
INSERT INTO ivr_menus (id, user_id, name, prompt, items) VALUES
  ('a0000000-0000-4000-8000-000000000004', 'a0000000-0000-4000-8000-000000000000', 'sales', 'press 1', '[]'),
  ('b0000000-0000-4000-8000-000000000004', 'b0000000-0000-4000-8000-000000000000', 'b', 'press 1', '[]'),
  ('a0000000-0000-4000-8000-000000000003', 'a0000000-0000-4000-8000-000000000000', 'main', 'press 1',
   '[{"digit": "1", "action": "submenu", "target": "a0000000-0000-4000-8000-000000000004"},
     {"digit": "2", "action": "submenu", "target": "b0000000-0000-4000-8000-000000000004"}]');
INSERT INTO ivr_sessions (session_id, user_id, current_menu_id, menu_stack) VALUES
  ('CA-a', 'a0000000-0000-4000-8000-000000000000', 'a0000000-0000-4000-8000-000000000003', '[]');
INSERT INTO audit_logs (id, user_id, action, resource_type, created_at)
SELECT ('c0000000-0000-4000-8000-00000000000' || i)::uuid, 'c0000000-0000-4000-8000-000000000000',
       'api_key.created', 'api_key', '2025-01-01 00:00:00+00'::timestamptz + make_interval(days => i)
  FROM generate_series(1, 5) AS i;

UPDATE api_keys SET credits_remaining = 3 WHERE user_id IN ('a0000000-0000-4000-8000-000000000000',
  'b0000000-0000-4000-8000-000000000000');

-- As user A, through RLS.
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', '{"sub": "a0000000-0000-4000-8000-000000000000", "role": "authenticated"}', true);

SELECT is(
  vx_credits_set_refill('key', 'a0000000-0000-4000-8000-000000000001', NULL, '{"interval": "daily", "amount": 5}',
    now()),
  3, 'a user changes their own key''s refill, and its remaining credits stay');
SELECT is(
  vx_credits_set_refill('key', 'b0000000-0000-4000-8000-000000000001', NULL, '{"interval": "daily", "amount": 5}',
    now()),
  NULL, 'but not another user''s, even without naming an owner: row level security hides it');

SELECT results_eq(
  $$SELECT name::text FROM vx_ivr_menu_with_submenus('a0000000-0000-4000-8000-000000000003')$$,
  ARRAY['main', 'sales'],
  'a menu comes first, then its submenus of the same user only (not another user''s menu it names)');
SELECT ok(
  (SELECT c -> 'session' ->> 'session_id' = 'CA-a' AND json_array_length(c -> 'menus') = 1
      AND c -> 'menus' -> 0 ->> 'name' = 'sales'
     FROM vx_ivr_session_context('CA-a') AS c),
  'a session''s context holds the session and the submenus its next step may enter, of its own user only');
SELECT ok(
  (SELECT jsonb_array_length(e -> 'api_keys') = 1
      AND NOT (e -> 'api_keys' -> 0 ? 'key_hash') AND NOT (e -> 'webhooks' -> 0 ? 'secret')
      AND jsonb_array_length(e -> 'webhook_logs') = 1 AND jsonb_array_length(e -> 'ivr_menus') = 2
     FROM vx_export_user_data('a0000000-0000-4000-8000-000000000000') AS e),
  'the export as the user holds their rows, a log through its webhook, and no hash or secret');
SELECT ok(
  (SELECT position('b0000000-0000-4000-8000-000000000000' IN e) = 0
      AND position('b0000000-0000-4000-8000-000000000001' IN e) = 0
     FROM CAST(vx_export_user_data('a0000000-0000-4000-8000-000000000000') AS text) AS e),
  'and nothing of another user (neither their id nor their key)');
SELECT throws_ok(
  $$SELECT vx_export_user_data('b0000000-0000-4000-8000-000000000000')$$, '42501', NULL,
  'the export as a user refuses another user''s id');
SELECT is(
  vx_apply_consents('a0000000-0000-4000-8000-000000000000', ARRAY['analytics', 'marketing'], ARRAY[true, false],
    '2026-01-01 10:00:00+00'),
  2, 'consent changes are applied in one call');
SELECT is(
  vx_apply_consents('a0000000-0000-4000-8000-000000000000', ARRAY['analytics'], ARRAY[true], '2026-01-02 10:00:00+00'),
  0, 'a purpose already in the asked state is left alone');
SELECT throws_ok(
  $$SELECT vx_apply_consents('b0000000-0000-4000-8000-000000000000', ARRAY['analytics'], ARRAY[true], now())$$,
  '42501', NULL, 'a user cannot record consents for someone else');
SELECT is_empty(
  $$SELECT * FROM vx_audit_page('c0000000-0000-4000-8000-000000000000', 10, NULL, NULL)$$,
  'a user reads no page of another user''s audit trail');
SELECT throws_ok(
  $$SELECT * FROM vx_ivr_update_session('CA-a', '{"retry_count": 1}', NULL)$$, '42501', NULL,
  'sessions are system work: a user cannot write a step');
SELECT throws_ok(
  $$SELECT vx_erase_user_data('a0000000-0000-4000-8000-000000000000', 'x', now())$$, '42501', NULL,
  'erasure is system work: refused to a user, even for their own id');
SELECT throws_ok(
  $$SELECT vx_delete_expired_batch('audit_logs', now(), 10)$$, '42501', NULL,
  'retention is system work: refused to a user');

-- User B sees nothing of A's through the same functions.
SELECT set_config('request.jwt.claims', '{"sub": "b0000000-0000-4000-8000-000000000000", "role": "authenticated"}', true);
SELECT is_empty(
  $$SELECT * FROM vx_ivr_menu_with_submenus('a0000000-0000-4000-8000-000000000003')$$,
  'another user gets no menu of A''s');
SELECT ok(vx_ivr_session_context('CA-a') IS NULL, 'nor the context of A''s call');

-- anon: nothing at all.
RESET ROLE;
SET LOCAL ROLE anon;
SELECT throws_ok(
  $$SELECT vx_export_user_data('a0000000-0000-4000-8000-000000000000')$$, '42501', NULL, 'anon cannot export');

-- The service role: the system's work.
RESET ROLE;
SET LOCAL ROLE service_role;
SELECT results_eq(
  $$SELECT action FROM vx_audit_page('c0000000-0000-4000-8000-000000000000', 2, NULL, NULL)$$,
  ARRAY['api_key.created', 'api_key.created'], 'the first page of a trail holds up to the limit');
SELECT results_eq(
  $$SELECT created_at FROM vx_audit_page('c0000000-0000-4000-8000-000000000000', 10,
      '2025-01-04 00:00:00+00', 'c0000000-0000-4000-8000-000000000003')$$,
  ARRAY['2025-01-03T00:00:00.000000Z', '2025-01-02T00:00:00.000000Z'],
  'a later page continues strictly after its position, newest first, as exact UTC text');
SELECT is_empty(
  $$SELECT * FROM vx_ivr_update_session('CA-a', '{"retry_count": 1}', 7)$$,
  'a step that read a stale version writes nothing (compare-and-set)');
SELECT results_eq(
  $$SELECT version, retry_count, status, current_menu_id FROM vx_ivr_update_session('CA-a', '{"retry_count": 1}', 0)$$,
  $$VALUES (1, 1, 'active'::text, 'a0000000-0000-4000-8000-000000000003'::uuid)$$,
  'a step that read the current version sets only the given keys and bumps the version');
SELECT results_eq(
  $$SELECT current_menu_id FROM vx_ivr_update_session('CA-a',
      '{"current_menu_id": "b0000000-0000-4000-8000-000000000004"}', NULL)$$,
  ARRAY[NULL::uuid], 'a current menu that is not the caller''s own becomes no menu');
SELECT throws_ok(
  $$SELECT vx_delete_expired_batch('api_keys', now(), 10)$$, '22023', NULL,
  'retention refuses a target it does not know (API keys are kept)');
SELECT ok(
  (SELECT (d ->> 'api_keys')::int = 1 AND (d ->> 'webhook_logs')::int = 1 AND (d ->> 'ivr_sessions')::int = 1
     FROM vx_erase_user_data('a0000000-0000-4000-8000-000000000000', repeat('f', 64), '2026-01-03 10:00:00+00') AS d),
  'erasure reports the rows it deleted per table, a log through its webhook included');
RESET ROLE;
SELECT results_eq(
  $$SELECT (SELECT count(*) FROM api_keys WHERE user_id = 'a0000000-0000-4000-8000-000000000000')::int,
           (SELECT count(*) FROM api_keys WHERE user_id = 'b0000000-0000-4000-8000-000000000000')::int,
           (SELECT count(*) FROM audit_logs WHERE user_id = 'a0000000-0000-4000-8000-000000000000')::int,
           (SELECT count(*) FROM audit_logs WHERE user_id IS NULL AND action = 'user_data.erased'
               AND metadata ->> 'subject_sha256' = repeat('f', 64))::int$$,
  $$VALUES (0, 1, 0, 1)$$,
  'everything of A went, B kept theirs, and one audit entry that names nobody records the erasure');

SELECT * FROM finish();
ROLLBACK;
