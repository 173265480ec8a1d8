-- Generated from packages/db/migrations/018_audit_key_settings_not_verifications.sql by `pnpm supabase:sync`. Do not edit: edit the source.

-- Verifying a key is not a change to audit. Migration 007's trigger ignored the usage counters, but migration 015
-- added more bookkeeping that every counted verification writes (GCRA state, credits spent, the refill mark):
-- each verification of a key with named limits or credits wrote an `api_key.updated` audit row, and paid for a
-- PL/pgSQL trigger call (about 0.1 ms a key) even when nothing was written.
--
-- * Updates now reach the audit function only when something besides bookkeeping changed (a WHEN clause, checked
--   without calling it). The comparison is of whole rows minus the bookkeeping columns, so a column added later is
--   audited by default.
-- * Credits are bookkeeping when a verification spends them (usage_count moves in the same update) and a change
--   when an owner sets, adds or takes them (usage_count does not): that change stays audited, as
--   `api_key.updated` with `changed: ["credits_remaining"]`.

DROP TRIGGER api_keys_audit ON public.api_keys;
CREATE TRIGGER api_keys_audit AFTER INSERT OR DELETE ON public.api_keys
  FOR EACH ROW EXECUTE FUNCTION public.vx_audit_row_change('api_key', 'name key_prefix',
    'last_used_at usage_count updated_at ratelimit_state credits_remaining credits_refilled_at');
CREATE TRIGGER api_keys_audit_update AFTER UPDATE ON public.api_keys
  FOR EACH ROW
  WHEN (
    (to_jsonb(OLD) - '{last_used_at,usage_count,updated_at,ratelimit_state,credits_remaining,credits_refilled_at}'::text[])
      IS DISTINCT FROM
    (to_jsonb(NEW) - '{last_used_at,usage_count,updated_at,ratelimit_state,credits_remaining,credits_refilled_at}'::text[])
    OR (OLD.credits_remaining IS DISTINCT FROM NEW.credits_remaining AND OLD.usage_count = NEW.usage_count)
  )
  EXECUTE FUNCTION public.vx_audit_row_change('api_key', 'name key_prefix',
    'last_used_at usage_count updated_at ratelimit_state credits_refilled_at');

