-- Generated from packages/db/migrations/025_credits_refill_changed_alone.sql by `pnpm supabase:sync`. Do not edit: edit the source.

-- Owners change how credits refill without setting how many are left, as Unkey's updateKey allows. Until now a
-- change of `refill` had to send `remaining` too, so a client had to read the credits and write them back: a
-- verification counted in between was undone. vx_credits_set_refill changes the refill in one UPDATE under the
-- row's lock, like vx_api_key_credits: the refill that is due under the old rule is applied first, the remaining
-- count is kept, and the new rule counts from now (as when credits are replaced whole). A key or identity without
-- credits is left alone (NULL): it needs a remaining count first.

CREATE FUNCTION public.vx_credits_set_refill(
  p_target text, p_id uuid, p_user_id uuid, p_refill jsonb, p_now timestamptz
) RETURNS integer
LANGUAGE plpgsql VOLATILE SET search_path = '' AS $$
DECLARE
  v_result integer;
BEGIN
  IF p_target = 'key' THEN
    UPDATE public.api_keys AS a SET
      credits_remaining = public.vx_credits_now(a.credits_remaining, a.credits_refill, a.credits_refilled_at, p_now),
      credits_refill = p_refill,
      credits_refilled_at = p_now
    WHERE a.id = p_id AND (p_user_id IS NULL OR a.user_id = p_user_id) AND a.credits_remaining IS NOT NULL
    RETURNING a.credits_remaining INTO v_result;
  ELSE
    UPDATE public.api_key_identities AS d SET
      credits_remaining = public.vx_credits_now(d.credits_remaining, d.credits_refill, d.credits_refilled_at, p_now),
      credits_refill = p_refill,
      credits_refilled_at = p_now
    WHERE d.id = p_id AND (p_user_id IS NULL OR d.user_id = p_user_id) AND d.credits_remaining IS NOT NULL
    RETURNING d.credits_remaining INTO v_result;
  END IF;
  RETURN v_result;
END
$$;
-- Owners change their own (p_user_id filters, RLS too), as with vx_api_key_credits.
REVOKE ALL ON FUNCTION public.vx_credits_set_refill(text, uuid, uuid, jsonb, timestamptz) FROM PUBLIC, anon;
GRANT EXECUTE ON FUNCTION public.vx_credits_set_refill(text, uuid, uuid, jsonb, timestamptz)
  TO authenticated, service_role;

