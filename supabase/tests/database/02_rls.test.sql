-- Row level security as a Supabase request sees it: role authenticated with the caller's JWT claims.
BEGIN;
CREATE SCHEMA IF NOT EXISTS extensions;
CREATE EXTENSION IF NOT EXISTS pgtap WITH SCHEMA extensions;
SET LOCAL search_path = public, extensions;
GRANT USAGE ON SCHEMA extensions TO authenticated, service_role;

SELECT plan(16);

INSERT INTO auth.users (id, email) VALUES
  ('11111111-1111-4111-8111-111111111111', 'a@example.com'),
  ('22222222-2222-4222-8222-222222222222', 'b@example.com');
INSERT INTO api_keys (id, user_id, name, key_prefix, key_hash) VALUES
  ('11111111-0000-4000-8000-000000000001', '11111111-1111-4111-8111-111111111111', 'a', 'vx_aaaaaaa', repeat('a', 64)),
  ('22222222-0000-4000-8000-000000000001', '22222222-2222-4222-8222-222222222222', 'b', 'vx_bbbbbbb', repeat('b', 64));
INSERT INTO webhooks (id, user_id, url, events, secret) VALUES
  ('11111111-0000-4000-8000-000000000002', '11111111-1111-4111-8111-111111111111', 'https://a.example', '{call.started}', 'whsec_aaaaaaaaaaaaaaaa'),
  ('22222222-0000-4000-8000-000000000002', '22222222-2222-4222-8222-222222222222', 'https://b.example', '{call.started}', 'whsec_bbbbbbbbbbbbbbbb');
INSERT INTO webhook_logs (webhook_id, event) VALUES
  ('11111111-0000-4000-8000-000000000002', 'call.started'),
  ('22222222-0000-4000-8000-000000000002', 'call.started');
INSERT INTO ivr_menus (id, user_id, name, prompt) VALUES
  ('11111111-0000-4000-8000-000000000003', '11111111-1111-4111-8111-111111111111', 'a', 'press 1'),
  ('22222222-0000-4000-8000-000000000003', '22222222-2222-4222-8222-222222222222', 'b', 'press 1');
INSERT INTO ivr_sessions (session_id, user_id) VALUES
  ('CA-a', '11111111-1111-4111-8111-111111111111'),
  ('CA-b', '22222222-2222-4222-8222-222222222222');

-- Act as user A.
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', '{"sub": "11111111-1111-4111-8111-111111111111", "role": "authenticated"}', true);

SELECT results_eq('SELECT name::text FROM api_keys', ARRAY['a'], 'A sees only their own API key');
SELECT results_eq('SELECT url FROM webhooks', ARRAY['https://a.example'], 'A sees only their own webhook');
SELECT results_eq('SELECT count(*)::int FROM webhook_logs', ARRAY[1], 'A sees only the logs of their webhook');
SELECT results_eq('SELECT name::text FROM ivr_menus', ARRAY['a'], 'A sees only their own menu');
SELECT results_eq('SELECT session_id::text FROM ivr_sessions', ARRAY['CA-a'], 'A sees only their own IVR session');

SELECT throws_ok(
  $$INSERT INTO api_keys (user_id, name, key_prefix, key_hash) VALUES ('22222222-2222-4222-8222-222222222222', 'x', 'vx_xxxxxxx', repeat('c', 64))$$,
  '42501', NULL, 'A cannot create a key for B');
SELECT throws_ok(
  $$INSERT INTO ivr_sessions (session_id, user_id) VALUES ('CA-forged', '11111111-1111-4111-8111-111111111111')$$,
  '42501', NULL, 'users cannot create IVR sessions: the system manages them');
SELECT throws_ok(
  $$INSERT INTO webhook_logs (webhook_id, event) VALUES ('11111111-0000-4000-8000-000000000002', 'forged')$$,
  '42501', NULL, 'users cannot write delivery logs');
SELECT throws_ok('UPDATE api_keys SET usage_count = 0', '42501', NULL, 'users cannot reset usage counters');

SELECT is_empty($$UPDATE api_keys SET name = 'stolen' WHERE id = '22222222-0000-4000-8000-000000000001' RETURNING id$$,
  'A cannot rename B''s key');
SELECT is_empty($$DELETE FROM webhooks WHERE id = '22222222-0000-4000-8000-000000000002' RETURNING id$$,
  'A cannot delete B''s webhook');
SELECT is_empty($$DELETE FROM ivr_menus WHERE id = '22222222-0000-4000-8000-000000000003' RETURNING id$$,
  'A cannot delete B''s menu');
SELECT isnt_empty($$UPDATE api_keys SET name = 'renamed' WHERE id = '11111111-0000-4000-8000-000000000001' RETURNING id$$,
  'A can rename their own key');

-- The service role bypasses RLS for system work.
RESET ROLE;
SET LOCAL ROLE service_role;
SELECT results_eq('SELECT count(*)::int FROM api_keys', ARRAY[2], 'the service role sees every key');
SELECT results_eq('SELECT count(*)::int FROM ivr_sessions', ARRAY[2], 'the service role sees every session');

RESET ROLE;
SELECT results_eq(
  $$SELECT name::text FROM api_keys WHERE id = '22222222-0000-4000-8000-000000000001'$$, ARRAY['b'],
  'B''s key is untouched');

SELECT * FROM finish();
ROLLBACK;
