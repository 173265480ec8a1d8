-- Makes plain Postgres and PGlite look like Supabase where our schema needs it:
-- the anon/authenticated/service_role roles, auth.users and auth.uid()/auth.role()/auth.jwt().
-- Every object is created only when missing, so on a real Supabase project this changes nothing.

-- Up Migration
DO $$
DECLARE
  r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['anon', 'authenticated', 'service_role'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
      BEGIN
        IF r = 'service_role' THEN
          EXECUTE format('CREATE ROLE %I NOLOGIN NOINHERIT BYPASSRLS', r);
        ELSE
          EXECUTE format('CREATE ROLE %I NOLOGIN NOINHERIT', r);
        END IF;
      EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL; -- roles are cluster-wide: a parallel migration of another database created it first
      END;
    END IF;
  END LOOP;
END
$$;

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'auth') THEN
    CREATE SCHEMA auth;
    -- The marker lets the down migration remove only what this bootstrap created.
    COMMENT ON SCHEMA auth IS 'vx bootstrap';
  END IF;
END
$$;

CREATE TABLE IF NOT EXISTS auth.users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email text,
  created_at timestamptz NOT NULL DEFAULT now()
);

DO $$
BEGIN
  IF to_regprocedure('auth.jwt()') IS NULL THEN
    CREATE FUNCTION auth.jwt() RETURNS jsonb LANGUAGE sql STABLE AS $f$
      SELECT coalesce(nullif(current_setting('request.jwt.claims', true), ''), '{}')::jsonb
    $f$;
  END IF;
  IF to_regprocedure('auth.uid()') IS NULL THEN
    CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $f$
      SELECT nullif(coalesce(
        current_setting('request.jwt.claim.sub', true),
        auth.jwt() ->> 'sub'
      ), '')::uuid
    $f$;
  END IF;
  IF to_regprocedure('auth.role()') IS NULL THEN
    CREATE FUNCTION auth.role() RETURNS text LANGUAGE sql STABLE AS $f$
      SELECT nullif(coalesce(
        current_setting('request.jwt.claim.role', true),
        auth.jwt() ->> 'role'
      ), '')::text
    $f$;
  END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role;

DO $$
BEGIN
  -- On Supabase the auth schema belongs to Supabase and its grants are already in place.
  IF obj_description('auth'::regnamespace, 'pg_namespace') = 'vx bootstrap' THEN
    GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role;
    GRANT EXECUTE ON FUNCTION auth.uid(), auth.role(), auth.jwt() TO anon, authenticated, service_role;
  END IF;
END
$$;

-- Down Migration
DO $$
BEGIN
  IF obj_description('auth'::regnamespace, 'pg_namespace') = 'vx bootstrap' THEN
    DROP SCHEMA auth CASCADE;
  END IF;
END
$$;
