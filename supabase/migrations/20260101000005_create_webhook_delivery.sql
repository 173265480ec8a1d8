-- Generated from packages/db/migrations/005_create_webhook_delivery.sql by `pnpm supabase:sync`. Do not edit: edit the source.

-- Durable webhook delivery: events and their per-webhook messages (the outbox), rotated-out secrets,
-- failure streaks, and the SQL functions that enqueue, claim and record atomically.
-- A message's `due_at` is when a worker should next take it: its next attempt while pending,
-- the end of the sending worker's lease while sending. One partial index then serves every claim.

CREATE TABLE public.webhook_events (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  agent_id uuid,
  event varchar(255) NOT NULL CHECK (length(event) > 0),
  -- The exact JSON bytes every webhook receives (text, not jsonb, so key order and spacing survive).
  body text NOT NULL,
  -- The same, parsed once, for the log row of every attempt.
  payload jsonb GENERATED ALWAYS AS (body::jsonb) STORED,
  idempotency_key varchar(255),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_webhook_events_user_id ON public.webhook_events (user_id);
CREATE UNIQUE INDEX idx_webhook_events_idempotency ON public.webhook_events (user_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
CREATE INDEX idx_webhook_events_created_at ON public.webhook_events (created_at);

CREATE TABLE public.webhook_messages (
  -- Sent as the webhook-id header: the same on every attempt, the receiver's idempotency key.
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id uuid NOT NULL REFERENCES public.webhook_events (id) ON DELETE CASCADE,
  webhook_id uuid NOT NULL REFERENCES public.webhooks (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  event varchar(255) NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts integer NOT NULL CHECK (max_attempts >= 1),
  due_at timestamptz NOT NULL,
  locked_by text,
  last_error text,
  delivered_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_webhook_messages_due ON public.webhook_messages (due_at) WHERE status IN ('pending', 'sending');
CREATE INDEX idx_webhook_messages_webhook_id ON public.webhook_messages (webhook_id, created_at);
CREATE INDEX idx_webhook_messages_event_id ON public.webhook_messages (event_id);
-- No index on user_id: every claim and record rewrites the row into every index (status and due_at change, so
-- updates are never HOT), and users only read messages by id. The RLS policy on user_id filters those reads.

-- After a rotation the previous secret keeps signing (beside the new one) until expires_at.
CREATE TABLE public.webhook_previous_secrets (
  webhook_id uuid PRIMARY KEY REFERENCES public.webhooks (id) ON DELETE CASCADE,
  secret varchar(255) NOT NULL,
  expires_at timestamptz NOT NULL
);

-- A row exists while every attempt to the webhook has failed since failing_since; a success removes it.
CREATE TABLE public.webhook_failure_streaks (
  webhook_id uuid PRIMARY KEY REFERENCES public.webhooks (id) ON DELETE CASCADE,
  failing_since timestamptz NOT NULL
);

ALTER TABLE public.webhook_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY "Users can view their own webhook events" ON public.webhook_events
  FOR SELECT TO authenticated USING ((SELECT auth.uid()) = user_id);
ALTER TABLE public.webhook_messages ENABLE ROW LEVEL SECURITY;
CREATE POLICY "Users can view their own webhook messages" ON public.webhook_messages
  FOR SELECT TO authenticated USING ((SELECT auth.uid()) = user_id);
-- Secrets and streaks are system bookkeeping: RLS on and no policy, so only the system reads them.
ALTER TABLE public.webhook_previous_secrets ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.webhook_failure_streaks ENABLE ROW LEVEL SECURITY;

GRANT SELECT ON public.webhook_events, public.webhook_messages TO authenticated;
GRANT ALL ON public.webhook_events, public.webhook_messages, public.webhook_previous_secrets,
  public.webhook_failure_streaks TO service_role;

-- The functions below run as their owner, so they check who calls: a user (role authenticated)
-- may only act for themself; the system (no JWT) and service_role may act for anyone.
CREATE FUNCTION public.vx_webhook_check_caller(p_user_id uuid) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $$
BEGIN
  IF (current_setting('role', true) = 'authenticated' OR auth.uid() IS NOT NULL)
     AND auth.uid() IS DISTINCT FROM p_user_id THEN
    RAISE EXCEPTION 'webhooks: not allowed for this user' USING ERRCODE = '42501';
  END IF;
END
$$;

-- One event, one message per matching webhook, in the caller's transaction. A repeated idempotency key
-- of the same user writes nothing and answers with the first event. NOTIFY wakes idle workers on commit.
CREATE FUNCTION public.vx_webhook_enqueue(
  p_user_id uuid, p_agent_id uuid, p_event text, p_body text, p_idempotency_key text, p_now timestamptz
) RETURNS TABLE (event_id uuid, deliveries integer, duplicate boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_event uuid;
  v_count integer;
BEGIN
  PERFORM public.vx_webhook_check_caller(p_user_id);
  INSERT INTO public.webhook_events AS e (user_id, agent_id, event, body, idempotency_key, created_at)
  VALUES (p_user_id, p_agent_id, p_event, p_body, p_idempotency_key, p_now)
  ON CONFLICT (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
  RETURNING e.id INTO v_event;
  IF v_event IS NULL THEN
    SELECT e.id INTO v_event FROM public.webhook_events e
    WHERE e.user_id = p_user_id AND e.idempotency_key = p_idempotency_key;
    SELECT count(*)::integer INTO v_count FROM public.webhook_messages m WHERE m.event_id = v_event;
    RETURN QUERY SELECT v_event, v_count, true;
    RETURN;
  END IF;
  INSERT INTO public.webhook_messages (event_id, webhook_id, user_id, event, max_attempts, due_at, created_at, updated_at)
  SELECT v_event, w.id, w.user_id, p_event, w.retry_count + 1, p_now, p_now, p_now
  FROM public.webhooks w
  WHERE w.user_id = p_user_id AND w.enabled AND p_event = ANY (w.events)
    AND (w.agent_id IS NULL OR w.agent_id = p_agent_id);
  GET DIAGNOSTICS v_count = ROW_COUNT;
  -- A notifying transaction holds a database-wide lock through its commit, so notifying in every enqueue would
  -- serialize all enqueuing commits (it halved throughput). One notifier at a time: while another transaction
  -- holds this lock its NOTIFY is on the way; if that one rolls back, workers find the message at their next poll.
  IF v_count > 0 AND pg_try_advisory_xact_lock(hashtext('vx_webhook_messages')) THEN
    PERFORM pg_notify('vx_webhook_messages', '');
  END IF;
  RETURN QUERY SELECT v_event, v_count, false;
END
$$;

-- Takes up to p_limit due messages for one worker: pending ones whose time has come, and sending ones
-- whose worker's lease ran out (that worker died or stalled: its attempt is logged as of unknown outcome).
-- SKIP LOCKED lets any number of workers claim at once without waiting on, or taking, each other's rows.
CREATE FUNCTION public.vx_webhook_claim(p_worker text, p_limit integer, p_now timestamptz, p_lease_ms integer)
RETURNS TABLE (
  id uuid, event_id uuid, webhook_id uuid, event text, body text, attempt_number integer,
  max_attempts integer, url text, secrets text[], enabled boolean
)
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  WITH due AS (
    SELECT m.id, m.status, m.attempts
    FROM public.webhook_messages m
    WHERE m.status IN ('pending', 'sending') AND m.due_at <= p_now
    ORDER BY m.due_at
    LIMIT p_limit
    FOR UPDATE SKIP LOCKED
  ),
  abandoned AS (
    INSERT INTO public.webhook_logs (webhook_id, event, payload, error, attempt_number, created_at)
    SELECT m.webhook_id, m.event, e.payload,
      'outcome unknown: the worker''s lease expired before it recorded this attempt', due.attempts, p_now
    FROM due
    JOIN public.webhook_messages m ON m.id = due.id
    JOIN public.webhook_events e ON e.id = m.event_id
    WHERE due.status = 'sending' AND due.attempts > 0
  ),
  claimed AS (
    UPDATE public.webhook_messages m
    SET status = 'sending', attempts = m.attempts + 1, locked_by = p_worker,
      due_at = p_now + make_interval(secs => p_lease_ms / 1000.0), updated_at = p_now
    FROM due
    WHERE m.id = due.id
    RETURNING m.id, m.event_id, m.webhook_id, m.event, m.attempts, m.max_attempts
  )
  SELECT c.id, c.event_id, c.webhook_id, c.event::text, e.body, c.attempts, c.max_attempts, w.url,
    CASE WHEN ps.expires_at > p_now THEN ARRAY[w.secret::text, ps.secret::text] ELSE ARRAY[w.secret::text] END,
    w.enabled
  FROM claimed c
  JOIN public.webhooks w ON w.id = c.webhook_id
  JOIN public.webhook_events e ON e.id = c.event_id
  LEFT JOIN public.webhook_previous_secrets ps ON ps.webhook_id = c.webhook_id
$$;

-- Applies a worker's attempts to the messages it still holds:
-- next state, one log row per attempt, the webhooks' last_* columns, failure streaks, and disabling
-- (a 410, or every attempt failing for p_disable_after_ms). Attempts of messages the worker no longer
-- holds (its lease expired and another worker took over) are ignored. Returns how many were applied.
--
-- Locks, so that any number of workers record at once without queueing on a hot webhook row:
-- * every webhook touched gets FOR KEY SHARE first, in id order (it only conflicts with deleting the
--   webhook, which then waits for us instead of deadlocking with us over the messages);
-- * webhooks with failures get FOR NO KEY UPDATE, in id order: their streak and disabling are exact;
-- * webhooks with only deliveries update last_* only when it changes or is a second old, and skip a
--   webhook another recorder is updating right now (that one writes a value of the same moment).
CREATE FUNCTION public.vx_webhook_record(
  p_worker text, p_now timestamptz, p_disable_after_ms bigint,
  -- One entry per attempt, in the order they finished (typed arrays: cheaper to read than JSON).
  p_message_ids uuid[], p_attempt_numbers integer[], p_status_codes integer[], p_response_bodies text[],
  p_errors text[], p_outcomes text[], p_next_attempts timestamptz[], p_disable_reasons text[]
) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_failing uuid[];
  v_touched uuid[];
  v_held uuid[];
BEGIN
  SELECT array_agg(f.webhook_id ORDER BY f.webhook_id) FILTER (WHERE f.failing),
    array_agg(f.webhook_id ORDER BY f.webhook_id)
  INTO v_failing, v_touched
  FROM (
    SELECT m.webhook_id, bool_and(a.outcome <> 'delivered') OR bool_or(a.disable_reason IS NOT NULL) AS failing
    FROM unnest(p_message_ids, p_outcomes, p_disable_reasons) AS a(message_id, outcome, disable_reason)
    JOIN public.webhook_messages m ON m.id = a.message_id
    GROUP BY m.webhook_id
  ) f;
  PERFORM 1 FROM public.webhooks w WHERE w.id = ANY (v_touched) ORDER BY w.id FOR KEY SHARE;
  PERFORM 1 FROM public.webhooks w WHERE w.id = ANY (v_failing) ORDER BY w.id FOR NO KEY UPDATE;

  WITH r AS (
    SELECT * FROM unnest(p_message_ids, p_attempt_numbers, p_status_codes, p_response_bodies, p_errors, p_outcomes,
      p_next_attempts) AS a(message_id, attempt_number, status_code, response_body, error, outcome, next_attempt_at)
  ),
  held AS (
    UPDATE public.webhook_messages m
    SET status = CASE r.outcome WHEN 'retry' THEN 'pending' ELSE r.outcome END,
      due_at = CASE r.outcome WHEN 'retry' THEN coalesce(r.next_attempt_at, p_now) ELSE m.due_at END,
      locked_by = NULL,
      last_error = r.error,
      delivered_at = CASE r.outcome WHEN 'delivered' THEN p_now END,
      updated_at = p_now
    FROM r
    WHERE m.id = r.message_id AND m.status = 'sending' AND m.locked_by = p_worker
      AND m.attempts = r.attempt_number AND r.outcome IN ('delivered', 'retry', 'failed')
    RETURNING m.id, m.webhook_id, m.event_id, m.event, r.status_code, r.response_body, r.error, r.outcome,
      r.attempt_number
  ),
  logs AS (
    INSERT INTO public.webhook_logs
      (webhook_id, event, payload, status_code, response_body, error, attempt_number, delivered_at, created_at)
    SELECT h.webhook_id, h.event, e.payload, h.status_code, h.response_body, h.error, h.attempt_number,
      CASE h.outcome WHEN 'delivered' THEN p_now END, p_now
    FROM held h JOIN public.webhook_events e ON e.id = h.event_id
  )
  SELECT array_agg(h.id) INTO v_held FROM held h;

  WITH r AS (
    SELECT a.*, m.webhook_id
    FROM unnest(p_message_ids, p_status_codes, p_errors, p_outcomes, p_disable_reasons)
      WITH ORDINALITY AS a(message_id, status_code, error, outcome, disable_reason, ord)
    JOIN public.webhook_messages m ON m.id = a.message_id
    WHERE a.message_id = ANY (v_held)
  ),
  per_webhook AS (
    SELECT r.webhook_id,
      bool_or(r.outcome = 'delivered') AS any_delivered,
      (array_agg(r.status_code ORDER BY r.ord DESC))[1] AS last_status,
      (array_agg(CASE r.outcome WHEN 'delivered' THEN NULL ELSE r.error END ORDER BY r.ord DESC))[1] AS last_error,
      (array_agg(r.disable_reason ORDER BY r.ord) FILTER (WHERE r.disable_reason IS NOT NULL))[1] AS gone
    FROM r
    GROUP BY r.webhook_id
  ),
  health AS (
    SELECT p.*, s.failing_since, coalesce(p.webhook_id = ANY (v_failing), false) AS locked,
      p.gone IS NOT NULL OR (NOT p.any_delivered
        AND coalesce(s.failing_since <= p_now - make_interval(secs => p_disable_after_ms / 1000.0), false))
        AS disable
    FROM per_webhook p
    LEFT JOIN public.webhook_failure_streaks s ON s.webhook_id = p.webhook_id
  ),
  cleared AS (
    DELETE FROM public.webhook_failure_streaks s USING health h
    WHERE s.webhook_id = h.webhook_id AND h.any_delivered
  ),
  started AS (
    INSERT INTO public.webhook_failure_streaks (webhook_id, failing_since)
    SELECT h.webhook_id, p_now FROM health h WHERE NOT h.any_delivered AND h.failing_since IS NULL
    ON CONFLICT (webhook_id) DO NOTHING
  ),
  quiet AS (
    SELECT w.id FROM public.webhooks w JOIN health h ON h.webhook_id = w.id
    WHERE NOT h.locked AND (w.last_triggered_at IS NULL OR w.last_triggered_at < p_now - interval '1 second'
      OR w.last_status IS DISTINCT FROM h.last_status OR w.last_error IS DISTINCT FROM h.last_error)
    FOR NO KEY UPDATE OF w SKIP LOCKED
  )
  UPDATE public.webhooks w
  SET last_triggered_at = p_now,
    last_status = h.last_status,
    last_error = CASE
      WHEN h.gone IS NOT NULL THEN 'disabled: ' || h.gone
      WHEN h.disable THEN 'disabled: every attempt failed since '
        || to_char(h.failing_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
      ELSE h.last_error
    END,
    enabled = w.enabled AND NOT h.disable
  FROM health h
  WHERE w.id = h.webhook_id AND (h.locked OR w.id IN (SELECT q.id FROM quiet q));

  RETURN coalesce(cardinality(v_held), 0);
END
$$;

-- Failed messages of a webhook created since p_since get one more attempt, now.
CREATE FUNCTION public.vx_webhook_recover(p_webhook_id uuid, p_user_id uuid, p_since timestamptz, p_now timestamptz)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_count integer;
BEGIN
  PERFORM public.vx_webhook_check_caller(p_user_id);
  UPDATE public.webhook_messages m
  SET status = 'pending', due_at = p_now, max_attempts = m.attempts + 1, delivered_at = NULL, updated_at = p_now
  WHERE m.webhook_id = p_webhook_id AND m.status = 'failed' AND m.created_at >= p_since
    AND (p_user_id IS NULL OR m.user_id = p_user_id);
  GET DIAGNOSTICS v_count = ROW_COUNT;
  IF v_count > 0 THEN
    PERFORM pg_notify('vx_webhook_messages', '');
  END IF;
  RETURN v_count;
END
$$;

-- One message gets one more attempt now, under the same id, unless a worker is sending it.
CREATE FUNCTION public.vx_webhook_replay(p_message_id uuid, p_user_id uuid, p_now timestamptz)
RETURNS SETOF public.webhook_messages
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  PERFORM public.vx_webhook_check_caller(p_user_id);
  RETURN QUERY
  UPDATE public.webhook_messages m
  SET status = 'pending', due_at = p_now, max_attempts = m.attempts + 1, delivered_at = NULL, updated_at = p_now
  WHERE m.id = p_message_id AND m.status <> 'sending' AND (p_user_id IS NULL OR m.user_id = p_user_id)
  RETURNING m.*;
  IF FOUND THEN
    PERFORM pg_notify('vx_webhook_messages', '');
  END IF;
END
$$;

-- A new secret; the old one keeps signing beside it until p_previous_until.
CREATE FUNCTION public.vx_webhook_rotate_secret(
  p_webhook_id uuid, p_user_id uuid, p_secret text, p_previous_until timestamptz
) RETURNS SETOF public.webhooks
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_old text;
BEGIN
  PERFORM public.vx_webhook_check_caller(p_user_id);
  SELECT w.secret INTO v_old FROM public.webhooks w
  WHERE w.id = p_webhook_id AND (p_user_id IS NULL OR w.user_id = p_user_id)
  FOR UPDATE;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  INSERT INTO public.webhook_previous_secrets (webhook_id, secret, expires_at)
  VALUES (p_webhook_id, v_old, p_previous_until)
  ON CONFLICT (webhook_id) DO UPDATE SET secret = excluded.secret, expires_at = excluded.expires_at;
  RETURN QUERY UPDATE public.webhooks w SET secret = p_secret WHERE w.id = p_webhook_id RETURNING w.*;
END
$$;

-- Queue depth and the oldest due message, for /metrics.
CREATE FUNCTION public.vx_webhook_queue_stats(p_now timestamptz)
RETURNS TABLE (depth bigint, due bigint, oldest_due_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT count(*), count(*) FILTER (WHERE m.due_at <= p_now), min(m.due_at) FILTER (WHERE m.due_at <= p_now)
  FROM public.webhook_messages m
  WHERE m.status IN ('pending', 'sending')
$$;

REVOKE ALL ON FUNCTION public.vx_webhook_check_caller(uuid), public.vx_webhook_enqueue(uuid, uuid, text, text, text, timestamptz),
  public.vx_webhook_claim(text, integer, timestamptz, integer), public.vx_webhook_record(text, timestamptz, bigint, uuid[], integer[], integer[], text[], text[], text[], timestamptz[], text[]),
  public.vx_webhook_recover(uuid, uuid, timestamptz, timestamptz), public.vx_webhook_replay(uuid, uuid, timestamptz),
  public.vx_webhook_rotate_secret(uuid, uuid, text, timestamptz), public.vx_webhook_queue_stats(timestamptz) FROM PUBLIC;
-- Users may enqueue, recover, replay and rotate for themselves (the functions check); workers are the system's.
GRANT EXECUTE ON FUNCTION public.vx_webhook_check_caller(uuid), public.vx_webhook_enqueue(uuid, uuid, text, text, text, timestamptz),
  public.vx_webhook_recover(uuid, uuid, timestamptz, timestamptz), public.vx_webhook_replay(uuid, uuid, timestamptz),
  public.vx_webhook_rotate_secret(uuid, uuid, text, timestamptz) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.vx_webhook_claim(text, integer, timestamptz, integer),
  public.vx_webhook_record(text, timestamptz, bigint, uuid[], integer[], integer[], text[], text[], text[], timestamptz[], text[]), public.vx_webhook_queue_stats(timestamptz) TO service_role;

