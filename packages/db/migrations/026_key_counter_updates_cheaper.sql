-- Every verification updates its key's counters (usage_count, last_used_at, credits, GCRA state), and Postgres runs
-- every CHECK constraint and every row trigger's WHEN on each such update, whatever the statement set. Two of them
-- cost more than the rest of the key's update together (measured with plpgsql_check on 12-key batches of keys
-- with three named limits and credits: the batch's UPDATE of api_keys took 2.4 × the time of its locking SELECT,
-- 1.9 × with the first change, 1.5 × with both):
--
-- * key_hash's CHECK was `key_hash ~ '^[0-9a-f]{64}$'`: Postgres's regex engine spends about 7 µs matching a
--   counted repetition of 64 (measured on 200,000 hashes), where the same rule written as a length and an
--   uncounted class takes 0.6 µs. Same rule, same constraint name: exactly 64 characters, each 0-9 or a-f.
-- * The audit trigger's WHEN (migration 019) was evaluated on every counted key, and its expression was read and
--   prepared again for every statement. It is now two triggers that Postgres considers only for statements that
--   set the columns they watch (`UPDATE OF`, as migration 022 did for updated_at), with the same rule between
--   them: a settings change is audited whatever else the statement set; an owner's credit change (credits move,
--   usage_count does not) is audited when no setting changed (else the settings row already names it). A
--   verification sets no settings column, so only the credits trigger is considered, and its first comparison
--   (usage_count moved) ends it.
-- * The identities' updated_at trigger gets the `UPDATE OF` its keys' trigger got in migration 022: a verification
--   that spends an identity's credits or limits no longer evaluates it.
--
-- packages/db/test/api-keys-audit-columns.test.ts keeps the settings list whole: a column added to api_keys later
-- must be listed here (audited) or named as bookkeeping, or that test fails.

-- Up Migration
ALTER TABLE public.api_keys DROP CONSTRAINT api_keys_key_hash_check;
ALTER TABLE public.api_keys ADD CONSTRAINT api_keys_key_hash_check
  CHECK (length(key_hash) = 64 AND key_hash ~ '^[0-9a-f]+$');

DROP TRIGGER api_keys_audit_update ON public.api_keys;
-- The settings: every column but the bookkeeping ones (last_used_at, usage_count, updated_at, ratelimit_state,
-- credits_remaining, credits_refilled_at). The WHEN compares whole rows minus bookkeeping, as migration 018's did.
CREATE TRIGGER api_keys_audit_update
  AFTER UPDATE OF id, user_id, name, key_prefix, key_hash, expires_at, rate_limit, usage_quota, enabled, scopes,
    created_at, meta, ratelimits, credits_refill, identity_id
  ON public.api_keys
  FOR EACH ROW
  WHEN (
    (to_jsonb(OLD) - '{last_used_at,usage_count,updated_at,ratelimit_state,credits_remaining,credits_refilled_at}'::text[])
      IS DISTINCT FROM
    (to_jsonb(NEW) - '{last_used_at,usage_count,updated_at,ratelimit_state,credits_remaining,credits_refilled_at}'::text[])
  )
  EXECUTE FUNCTION public.vx_audit_row_change('api_key', 'name key_prefix',
    'last_used_at usage_count updated_at ratelimit_state credits_refilled_at');
CREATE TRIGGER api_keys_audit_credits
  AFTER UPDATE OF credits_remaining
  ON public.api_keys
  FOR EACH ROW
  WHEN (
    OLD.usage_count = NEW.usage_count
    AND OLD.credits_remaining IS DISTINCT FROM NEW.credits_remaining
    AND (to_jsonb(OLD) - '{last_used_at,usage_count,updated_at,ratelimit_state,credits_remaining,credits_refilled_at}'::text[])
      IS NOT DISTINCT FROM
    (to_jsonb(NEW) - '{last_used_at,usage_count,updated_at,ratelimit_state,credits_remaining,credits_refilled_at}'::text[])
  )
  EXECUTE FUNCTION public.vx_audit_row_change('api_key', 'name key_prefix',
    'last_used_at usage_count updated_at ratelimit_state credits_refilled_at');

DROP TRIGGER api_key_identities_set_updated_at ON public.api_key_identities;
CREATE TRIGGER api_key_identities_set_updated_at
  BEFORE UPDATE OF external_id, meta, ratelimits, credits_refill
  ON public.api_key_identities
  FOR EACH ROW
  WHEN ((OLD.external_id, OLD.meta, OLD.ratelimits, OLD.credits_refill)
        IS DISTINCT FROM (NEW.external_id, NEW.meta, NEW.ratelimits, NEW.credits_refill))
  EXECUTE FUNCTION public.vx_set_updated_at();

-- Down Migration
DROP TRIGGER api_key_identities_set_updated_at ON public.api_key_identities;
CREATE TRIGGER api_key_identities_set_updated_at BEFORE UPDATE ON public.api_key_identities
  FOR EACH ROW
  WHEN ((OLD.external_id, OLD.meta, OLD.ratelimits, OLD.credits_refill)
        IS DISTINCT FROM (NEW.external_id, NEW.meta, NEW.ratelimits, NEW.credits_refill))
  EXECUTE FUNCTION public.vx_set_updated_at();

-- Migration 019's audit trigger.
DROP TRIGGER api_keys_audit_credits ON public.api_keys;
DROP TRIGGER api_keys_audit_update ON public.api_keys;
CREATE TRIGGER api_keys_audit_update AFTER UPDATE ON public.api_keys
  FOR EACH ROW
  WHEN (CASE WHEN OLD.usage_count IS DISTINCT FROM NEW.usage_count
    THEN (OLD.user_id, OLD.name, OLD.key_prefix, OLD.key_hash, OLD.expires_at, OLD.rate_limit, OLD.usage_quota,
          OLD.enabled, OLD.scopes, OLD.meta, OLD.ratelimits, OLD.credits_refill, OLD.identity_id)
         IS DISTINCT FROM
         (NEW.user_id, NEW.name, NEW.key_prefix, NEW.key_hash, NEW.expires_at, NEW.rate_limit, NEW.usage_quota,
          NEW.enabled, NEW.scopes, NEW.meta, NEW.ratelimits, NEW.credits_refill, NEW.identity_id)
    ELSE (to_jsonb(OLD) - '{last_used_at,usage_count,updated_at,ratelimit_state,credits_remaining,credits_refilled_at}'::text[])
           IS DISTINCT FROM
         (to_jsonb(NEW) - '{last_used_at,usage_count,updated_at,ratelimit_state,credits_remaining,credits_refilled_at}'::text[])
      OR OLD.credits_remaining IS DISTINCT FROM NEW.credits_remaining
  END)
  EXECUTE FUNCTION public.vx_audit_row_change('api_key', 'name key_prefix',
    'last_used_at usage_count updated_at ratelimit_state credits_refilled_at');

ALTER TABLE public.api_keys DROP CONSTRAINT api_keys_key_hash_check;
ALTER TABLE public.api_keys ADD CONSTRAINT api_keys_key_hash_check CHECK (key_hash ~ '^[0-9a-f]{64}$');
