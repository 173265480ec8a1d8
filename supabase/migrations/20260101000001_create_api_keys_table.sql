-- Generated from packages/db/migrations/001_create_api_keys_table.sql by `pnpm supabase:sync`. Do not edit: edit the source.

-- API keys: only a SHA-256 hash and a 10-character prefix of each key are stored, never the key.

CREATE OR REPLACE FUNCTION public.vx_set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END
$$;

CREATE TABLE public.api_keys (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  name varchar(255) NOT NULL CHECK (length(btrim(name)) > 0),
  key_prefix varchar(10) NOT NULL CHECK (length(key_prefix) = 10 AND key_prefix LIKE 'vx\_%'),
  key_hash varchar(64) NOT NULL CHECK (key_hash ~ '^[0-9a-f]{64}$'),
  last_used_at timestamptz,
  expires_at timestamptz,
  -- NULL means unlimited for both limits.
  rate_limit integer CHECK (rate_limit > 0),
  usage_quota integer CHECK (usage_quota > 0),
  usage_count integer NOT NULL DEFAULT 0 CHECK (usage_count >= 0),
  enabled boolean NOT NULL DEFAULT true,
  scopes text[] NOT NULL DEFAULT '{}' CHECK (array_position(scopes, NULL) IS NULL),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX idx_api_keys_user_id ON public.api_keys (user_id);
CREATE UNIQUE INDEX idx_api_keys_key_hash ON public.api_keys (key_hash);
CREATE INDEX idx_api_keys_enabled ON public.api_keys (enabled);
CREATE INDEX idx_api_keys_expires_at ON public.api_keys (expires_at);

CREATE TRIGGER api_keys_set_updated_at BEFORE UPDATE ON public.api_keys
  FOR EACH ROW EXECUTE FUNCTION public.vx_set_updated_at();

ALTER TABLE public.api_keys ENABLE ROW LEVEL SECURITY;
CREATE POLICY "Users can view their own API keys" ON public.api_keys
  FOR SELECT TO authenticated USING ((SELECT auth.uid()) = user_id);
CREATE POLICY "Users can create their own API keys" ON public.api_keys
  FOR INSERT TO authenticated WITH CHECK ((SELECT auth.uid()) = user_id);
CREATE POLICY "Users can update their own API keys" ON public.api_keys
  FOR UPDATE TO authenticated USING ((SELECT auth.uid()) = user_id) WITH CHECK ((SELECT auth.uid()) = user_id);
CREATE POLICY "Users can delete their own API keys" ON public.api_keys
  FOR DELETE TO authenticated USING ((SELECT auth.uid()) = user_id);

-- Users may edit a key's settings but never its hash, owner or usage counters.
GRANT SELECT, INSERT, DELETE ON public.api_keys TO authenticated;
GRANT UPDATE (name, expires_at, rate_limit, usage_quota, enabled, scopes) ON public.api_keys TO authenticated;
GRANT ALL ON public.api_keys TO service_role;

