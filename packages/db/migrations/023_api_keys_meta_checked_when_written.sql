-- `meta` is checked when it is written, not on every verification. Migration 015 bounded it with a CHECK
-- constraint (`jsonb_typeof(meta) = 'object' AND octet_length(meta::text) <= 8192`), and Postgres evaluates every
-- CHECK of a table on every UPDATE, whichever columns it sets. So each verification that counts a use of a key with
-- meta decompressed and printed that meta to text again: measured on 25-row verification updates of keys with 3
-- named limits and credits, 13 µs a row without meta, 14.5 µs with 1 KB of meta, 27–46 µs with 4 KB (the size the
-- service allows; Postgres keeps it compressed) and 36 µs with 7 KB. Without the CHECK, every size cost 13 µs.
--
-- A BEFORE INSERT OR UPDATE OF meta trigger applies the same rule only to statements that set meta, and fails them
-- the way the CHECK did: SQLSTATE 23514 (check_violation) naming the constraint `<table>_meta_check`, so callers and
-- adapters that read the code or the constraint name see no difference. A verification never sets meta.

-- Up Migration
ALTER TABLE public.api_keys DROP CONSTRAINT api_keys_meta_check;
ALTER TABLE public.api_key_identities DROP CONSTRAINT api_key_identities_meta_check;

CREATE FUNCTION public.vx_check_meta() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
  IF jsonb_typeof(NEW.meta) <> 'object' OR octet_length(NEW.meta::text) > 8192 THEN
    RAISE EXCEPTION 'new row for relation "%" violates check constraint "%"', TG_TABLE_NAME, TG_TABLE_NAME || '_meta_check'
      USING ERRCODE = 'check_violation', CONSTRAINT = TG_TABLE_NAME || '_meta_check', SCHEMA = TG_TABLE_SCHEMA,
        TABLE = TG_TABLE_NAME, COLUMN = 'meta', DETAIL = 'meta must be a JSON object of at most 8192 bytes as text.';
  END IF;
  RETURN NEW;
END
$$;
REVOKE EXECUTE ON FUNCTION public.vx_check_meta() FROM PUBLIC, anon, authenticated;

CREATE TRIGGER api_keys_meta_check BEFORE INSERT OR UPDATE OF meta ON public.api_keys
  FOR EACH ROW WHEN (NEW.meta IS NOT NULL) EXECUTE FUNCTION public.vx_check_meta();
CREATE TRIGGER api_key_identities_meta_check BEFORE INSERT OR UPDATE OF meta ON public.api_key_identities
  FOR EACH ROW WHEN (NEW.meta IS NOT NULL) EXECUTE FUNCTION public.vx_check_meta();

-- Down Migration
DROP TRIGGER api_key_identities_meta_check ON public.api_key_identities;
DROP TRIGGER api_keys_meta_check ON public.api_keys;
DROP FUNCTION public.vx_check_meta();
ALTER TABLE public.api_key_identities ADD CONSTRAINT api_key_identities_meta_check
  CHECK (meta IS NULL OR (jsonb_typeof(meta) = 'object' AND octet_length(meta::text) <= 8192));
ALTER TABLE public.api_keys ADD CONSTRAINT api_keys_meta_check
  CHECK (meta IS NULL OR (jsonb_typeof(meta) = 'object' AND octet_length(meta::text) <= 8192));
