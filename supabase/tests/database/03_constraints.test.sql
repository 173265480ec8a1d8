-- Constraints refuse bad data; deletes cascade or refuse as documented.
BEGIN;
CREATE SCHEMA IF NOT EXISTS extensions;
CREATE EXTENSION IF NOT EXISTS pgtap WITH SCHEMA extensions;
SET LOCAL search_path = public, extensions;

SELECT plan(10);

INSERT INTO auth.users (id) VALUES ('33333333-3333-4333-8333-333333333333');

SELECT throws_ok($$INSERT INTO api_keys (user_id, name, key_prefix, key_hash, rate_limit)
  VALUES ('33333333-3333-4333-8333-333333333333', 'k', 'vx_ccccccc', repeat('c', 64), 0)$$,
  '23514', NULL, 'rate_limit must be positive');
SELECT throws_ok($$INSERT INTO api_keys (user_id, name, key_prefix, key_hash)
  VALUES ('33333333-3333-4333-8333-333333333333', ' ', 'vx_ccccccc', repeat('c', 64))$$,
  '23514', NULL, 'a key needs a name');
SELECT throws_ok($$INSERT INTO webhooks (user_id, url, events, secret)
  VALUES ('33333333-3333-4333-8333-333333333333', '', '{a}', 'whsec_cccccccccccccccc')$$,
  '23514', NULL, 'a webhook needs a url');
SELECT throws_ok($$INSERT INTO webhooks (user_id, url, events, secret)
  VALUES ('33333333-3333-4333-8333-333333333333', 'https://c.example', '{}', 'whsec_cccccccccccccccc')$$,
  '23514', NULL, 'a webhook needs at least one event');
SELECT throws_ok($$INSERT INTO ivr_menus (user_id, name, prompt, timeout)
  VALUES ('33333333-3333-4333-8333-333333333333', 'm', 'p', 0)$$,
  '23514', NULL, 'a menu timeout must be positive');

INSERT INTO ivr_menus (id, user_id, name, prompt) VALUES
  ('33333333-0000-4000-8000-000000000001', '33333333-3333-4333-8333-333333333333', 'parent', 'p');
INSERT INTO ivr_menus (user_id, name, prompt, parent_menu_id) VALUES
  ('33333333-3333-4333-8333-333333333333', 'child', 'p', '33333333-0000-4000-8000-000000000001');
SELECT throws_like($$DELETE FROM ivr_menus WHERE id = '33333333-0000-4000-8000-000000000001'$$,
  '%ivr_menus_parent_menu_id_fkey%', 'a parent menu with children cannot be deleted');

INSERT INTO webhooks (id, user_id, url, events, secret) VALUES
  ('33333333-0000-4000-8000-000000000002', '33333333-3333-4333-8333-333333333333', 'https://c.example', '{a}', 'whsec_cccccccccccccccc');
INSERT INTO webhook_logs (webhook_id, event) VALUES ('33333333-0000-4000-8000-000000000002', 'a');
DELETE FROM webhooks WHERE id = '33333333-0000-4000-8000-000000000002';
SELECT is_empty($$SELECT 1 FROM webhook_logs WHERE webhook_id = '33333333-0000-4000-8000-000000000002'$$,
  'deleting a webhook deletes its logs');

DELETE FROM ivr_menus WHERE parent_menu_id IS NOT NULL AND user_id = '33333333-3333-4333-8333-333333333333';
DELETE FROM auth.users WHERE id = '33333333-3333-4333-8333-333333333333';
SELECT is_empty($$SELECT 1 FROM ivr_menus WHERE user_id = '33333333-3333-4333-8333-333333333333'$$,
  'deleting a user deletes their menus');
SELECT is_empty($$SELECT 1 FROM api_keys WHERE user_id = '33333333-3333-4333-8333-333333333333'$$,
  'deleting a user deletes their keys');
SELECT is_empty($$SELECT 1 FROM webhooks WHERE user_id = '33333333-3333-4333-8333-333333333333'$$,
  'deleting a user deletes their webhooks');

SELECT * FROM finish();
ROLLBACK;
