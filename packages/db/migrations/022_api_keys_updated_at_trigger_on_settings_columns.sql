-- The updated_at trigger is considered only for statements that set a settings column. Its WHEN clause (migration
-- 015) already compares just those 13 columns, so a statement that sets none of them (a verification counting a
-- use: usage_count, last_used_at, credits, GCRA state) can never make it fire; Postgres still evaluated the WHEN
-- for every row such a statement updated: about 0.8 µs a plain key and 2 µs a key with named limits (whose jsonb
-- `ratelimits` it compared), measured on 25-row verification updates. `UPDATE OF` skips the trigger for those
-- statements before any row is compared. Which updates move updated_at is unchanged: a column can only change when
-- a statement sets it, and no other BEFORE trigger on api_keys changes a row.

-- Up Migration
DROP TRIGGER api_keys_set_updated_at ON public.api_keys;
CREATE TRIGGER api_keys_set_updated_at
  BEFORE UPDATE OF user_id, name, key_prefix, key_hash, expires_at, rate_limit, usage_quota, enabled, scopes, meta,
    ratelimits, credits_refill, identity_id
  ON public.api_keys
  FOR EACH ROW
  WHEN ((OLD.user_id, OLD.name, OLD.key_prefix, OLD.key_hash, OLD.expires_at, OLD.rate_limit, OLD.usage_quota,
         OLD.enabled, OLD.scopes, OLD.meta, OLD.ratelimits, OLD.credits_refill, OLD.identity_id)
        IS DISTINCT FROM
        (NEW.user_id, NEW.name, NEW.key_prefix, NEW.key_hash, NEW.expires_at, NEW.rate_limit, NEW.usage_quota,
         NEW.enabled, NEW.scopes, NEW.meta, NEW.ratelimits, NEW.credits_refill, NEW.identity_id))
  EXECUTE FUNCTION public.vx_set_updated_at();

-- Down Migration
DROP TRIGGER api_keys_set_updated_at ON public.api_keys;
CREATE TRIGGER api_keys_set_updated_at BEFORE UPDATE ON public.api_keys
  FOR EACH ROW
  WHEN ((OLD.user_id, OLD.name, OLD.key_prefix, OLD.key_hash, OLD.expires_at, OLD.rate_limit, OLD.usage_quota,
         OLD.enabled, OLD.scopes, OLD.meta, OLD.ratelimits, OLD.credits_refill, OLD.identity_id)
        IS DISTINCT FROM
        (NEW.user_id, NEW.name, NEW.key_prefix, NEW.key_hash, NEW.expires_at, NEW.rate_limit, NEW.usage_quota,
         NEW.enabled, NEW.scopes, NEW.meta, NEW.ratelimits, NEW.credits_refill, NEW.identity_id))
  EXECUTE FUNCTION public.vx_set_updated_at();
