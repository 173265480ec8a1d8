-- The schema of the specification: tables, key columns, indexes, foreign keys, RLS and policies.
BEGIN;
CREATE SCHEMA IF NOT EXISTS extensions;
CREATE EXTENSION IF NOT EXISTS pgtap WITH SCHEMA extensions;
SET LOCAL search_path = public, extensions;

SELECT plan(44);

SELECT has_table('public', t, format('table %s exists', t))
  FROM unnest(ARRAY['api_keys', 'webhooks', 'webhook_logs', 'ivr_menus', 'ivr_sessions', 'agents']) AS t;

SELECT col_type_is('public', 'api_keys', 'key_hash', 'character varying(64)', 'api_keys.key_hash holds hex SHA-256');
SELECT col_type_is('public', 'api_keys', 'scopes', 'text[]', 'api_keys.scopes is text[]');
SELECT col_not_null('public', 'api_keys', 'user_id', 'api_keys.user_id is required');
SELECT col_default_is('public', 'api_keys', 'usage_count', '0', 'api_keys.usage_count starts at 0');
SELECT col_type_is('public', 'webhooks', 'events', 'text[]', 'webhooks.events is text[]');
SELECT col_type_is('public', 'webhook_logs', 'payload', 'jsonb', 'webhook_logs.payload is jsonb');
SELECT col_type_is('public', 'ivr_menus', 'items', 'jsonb', 'ivr_menus.items is jsonb');
SELECT col_type_is('public', 'ivr_sessions', 'menu_stack', 'jsonb', 'ivr_sessions.menu_stack is jsonb');

SELECT has_index('public', 'api_keys', 'idx_api_keys_user_id', 'user_id', 'idx_api_keys_user_id');
SELECT index_is_unique('public', 'api_keys', 'idx_api_keys_key_hash', 'the key hash is unique');
SELECT has_index('public', 'api_keys', 'idx_api_keys_enabled', 'enabled', 'idx_api_keys_enabled');
SELECT has_index('public', 'api_keys', 'idx_api_keys_expires_at', 'expires_at', 'idx_api_keys_expires_at');
SELECT has_index('public', 'webhooks', 'idx_webhooks_user_id', 'user_id', 'idx_webhooks_user_id');
SELECT has_index('public', 'webhooks', 'idx_webhooks_agent_id', 'agent_id', 'idx_webhooks_agent_id');
SELECT has_index('public', 'webhooks', 'idx_webhooks_enabled', 'enabled', 'idx_webhooks_enabled');
SELECT has_index('public', 'webhook_logs', 'idx_webhook_logs_webhook_id', 'idx_webhook_logs_webhook_id');
SELECT has_index('public', 'webhook_logs', 'idx_webhook_logs_event', 'event', 'idx_webhook_logs_event');
SELECT has_index('public', 'webhook_logs', 'idx_webhook_logs_created_at', 'created_at', 'idx_webhook_logs_created_at');
SELECT has_index('public', 'ivr_menus', 'idx_ivr_menus_user_id', 'user_id', 'idx_ivr_menus_user_id');
SELECT has_index('public', 'ivr_menus', 'idx_ivr_menus_parent_menu_id', 'parent_menu_id', 'idx_ivr_menus_parent_menu_id');
SELECT index_is_unique('public', 'ivr_sessions', 'idx_ivr_sessions_session_id', 'one session per call id');
SELECT has_index('public', 'ivr_sessions', 'idx_ivr_sessions_user_id', 'user_id', 'idx_ivr_sessions_user_id');
SELECT has_index('public', 'ivr_sessions', 'idx_ivr_sessions_current_menu_id', 'current_menu_id', 'idx_ivr_sessions_current_menu_id');
SELECT has_index('public', 'ivr_sessions', 'idx_ivr_sessions_last_activity', 'last_activity', 'idx_ivr_sessions_last_activity');

SELECT fk_ok('public', 'api_keys', 'user_id', 'auth', 'users', 'id');
SELECT fk_ok('public', 'webhooks', ARRAY['agent_id', 'user_id'], 'public', 'agents', ARRAY['id', 'user_id']);
SELECT fk_ok('public', 'webhook_logs', 'webhook_id', 'public', 'webhooks', 'id');
SELECT fk_ok('public', 'ivr_menus', ARRAY['parent_menu_id', 'user_id'], 'public', 'ivr_menus', ARRAY['id', 'user_id']);
SELECT fk_ok('public', 'ivr_sessions', 'user_id', 'auth', 'users', 'id');

SELECT ok(relrowsecurity, format('RLS is enabled on %s', relname))
  FROM pg_class
 WHERE relnamespace = 'public'::regnamespace
   AND relname IN ('api_keys', 'webhooks', 'webhook_logs', 'ivr_menus', 'ivr_sessions', 'agents');

SELECT policies_are('public', 'api_keys', ARRAY[
  'Users can view their own API keys', 'Users can create their own API keys',
  'Users can update their own API keys', 'Users can delete their own API keys'
], 'api_keys has one policy per operation');
SELECT policies_are('public', 'webhook_logs', ARRAY['Users can view logs for their webhooks'],
  'webhook_logs is readable through its webhook only');
SELECT policy_roles_are('public', 'ivr_sessions', 'System can manage IVR sessions', ARRAY['service_role'],
  'only the service role manages IVR sessions');

SELECT * FROM finish();
ROLLBACK;
