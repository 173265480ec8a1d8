-- Generated from packages/db/migrations/013_idempotency_same_request_and_signing_secrets.sql by `pnpm supabase:sync`. Do not edit: edit the source.

-- An idempotency key names one request (as Stripe's do): sending the same key again with another event, agent or
-- payload is refused with SQLSTATE VX409 (the adapters answer `idempotency_key_reused`), decided inside the enqueue
-- statement itself. The same request again is still a duplicate. `data` is compared as jsonb: the envelope's
-- timestamp differs between two sends, and key order or spacing is not a different payload.
--
-- vx_webhook_signing_secrets: the secrets a delivery of the webhook is signed with now (the current one, then a
-- rotated-out one inside its overlap), so test pings carry both signatures during a rotation as deliveries do.
--
-- vx_webhook_logs: a webhook's attempts, newest first (created_at, attempt_number, id), page by page after a
-- position; both adapters call it. Runs as the caller (RLS applies) and is inlined into the calling query, so it reads
-- the (webhook_id, created_at) index in order. A position comes back as a JS Date, which keeps milliseconds: every
-- writer stores milliseconds (the service's and workers' clocks, and now vx_webhook_create_log's default), so the
-- position is exact.

CREATE FUNCTION public.vx_webhook_same_request(
  p_first public.webhook_events, p_agent_id uuid, p_event text, p_body text
) RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = '' AS $$
  SELECT p_first.event = p_event AND p_first.agent_id IS NOT DISTINCT FROM p_agent_id
    AND (p_first.body::jsonb -> 'data') IS NOT DISTINCT FROM (p_body::jsonb -> 'data')
$$;

CREATE OR REPLACE FUNCTION public.vx_webhook_enqueue(
  p_user_id uuid, p_agent_id uuid, p_event text, p_body text, p_idempotency_key text, p_now timestamptz
) RETURNS TABLE (event_id uuid, deliveries integer, duplicate boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  v_event uuid;
  v_count integer;
  v_same boolean;
BEGIN
  PERFORM public.vx_webhook_check_caller(p_user_id);
  INSERT INTO public.webhook_events AS e (user_id, agent_id, event, body, idempotency_key, created_at)
  VALUES (p_user_id, p_agent_id, p_event, p_body, p_idempotency_key, p_now)
  ON CONFLICT (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
  RETURNING e.id INTO v_event;
  IF v_event IS NULL THEN
    SELECT e.id, public.vx_webhook_same_request(e, p_agent_id, p_event, p_body) INTO v_event, v_same
    FROM public.webhook_events e
    WHERE e.user_id = p_user_id AND e.idempotency_key = p_idempotency_key;
    IF NOT v_same THEN
      RAISE EXCEPTION 'webhooks: idempotency key reused with a different payload' USING ERRCODE = 'VX409';
    END IF;
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

CREATE OR REPLACE FUNCTION public.vx_webhook_enqueue_batch(
  p_user_ids uuid[], p_agent_ids uuid[], p_events text[], p_bodies text[], p_idempotency_keys text[],
  p_nows timestamptz[]
) RETURNS TABLE (ord integer, event_id uuid, deliveries integer, duplicate boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  v_ids uuid[];
  v_inserted uuid[];
  v_messages integer;
BEGIN
  PERFORM public.vx_webhook_check_caller(u) FROM (SELECT DISTINCT unnest(p_user_ids) AS u) users;
  -- Ids chosen here, so the rows this statement inserts map back to their input positions.
  v_ids := ARRAY(SELECT gen_random_uuid() FROM generate_series(1, coalesce(cardinality(p_user_ids), 0)));

  WITH input AS (
    SELECT * FROM unnest(v_ids, p_user_ids, p_agent_ids, p_events, p_bodies, p_idempotency_keys, p_nows)
      WITH ORDINALITY AS a(id, user_id, agent_id, event, body, idempotency_key, now, ord)
  ),
  events AS (
    INSERT INTO public.webhook_events AS e (id, user_id, agent_id, event, body, idempotency_key, created_at)
    SELECT i.id, i.user_id, i.agent_id, i.event, i.body, i.idempotency_key, i.now FROM input i ORDER BY i.ord
    ON CONFLICT (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
    RETURNING e.id, e.user_id, e.agent_id, e.event, e.created_at
  ),
  messages AS (
    INSERT INTO public.webhook_messages (event_id, webhook_id, user_id, event, max_attempts, due_at, created_at,
      updated_at)
    SELECT ev.id, w.id, w.user_id, ev.event, w.retry_count + 1, ev.created_at, ev.created_at, ev.created_at
    FROM events ev
    JOIN public.webhooks w ON w.user_id = ev.user_id AND w.enabled AND ev.event = ANY (w.events)
      AND (w.agent_id IS NULL OR w.agent_id = ev.agent_id)
    RETURNING 1
  )
  SELECT (SELECT array_agg(ev.id) FROM events ev), (SELECT count(*)::integer FROM messages) INTO v_inserted, v_messages;

  -- As in vx_webhook_enqueue: one notifier at a time.
  IF v_messages > 0 AND pg_try_advisory_xact_lock(hashtext('vx_webhook_messages')) THEN
    PERFORM pg_notify('vx_webhook_messages', '');
  END IF;

  -- A key reused for another request refuses the whole batch; the caller then sends each event alone, so only
  -- that one is refused. A new statement: it sees this batch's rows and any event committed with the same key.
  IF EXISTS (
    SELECT 1
    FROM unnest(v_ids, p_user_ids, p_agent_ids, p_events, p_bodies, p_idempotency_keys)
      AS a(id, user_id, agent_id, event, body, idempotency_key)
    JOIN public.webhook_events theirs ON theirs.user_id = a.user_id AND theirs.idempotency_key = a.idempotency_key
    WHERE theirs.id <> a.id AND NOT public.vx_webhook_same_request(theirs, a.agent_id, a.event, a.body)
  ) THEN
    RAISE EXCEPTION 'webhooks: idempotency key reused with a different payload' USING ERRCODE = 'VX409';
  END IF;

  RETURN QUERY
  SELECT a.ord::integer, coalesce(mine.id, theirs.id), coalesce(counted.n, 0), mine.id IS NULL
  FROM unnest(v_ids, p_user_ids, p_idempotency_keys) WITH ORDINALITY AS a(id, user_id, idempotency_key, ord)
  LEFT JOIN public.webhook_events mine ON mine.id = a.id AND a.id = ANY (v_inserted)
  LEFT JOIN public.webhook_events theirs ON mine.id IS NULL AND theirs.user_id = a.user_id
    AND theirs.idempotency_key = a.idempotency_key
  LEFT JOIN LATERAL (
    SELECT count(*)::integer AS n FROM public.webhook_messages m WHERE m.event_id = coalesce(mine.id, theirs.id)
  ) counted ON true
  ORDER BY a.ord;
END
$$;

CREATE FUNCTION public.vx_webhook_signing_secrets(p_webhook_id uuid, p_user_id uuid, p_now timestamptz)
RETURNS text[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  v_secrets text[];
BEGIN
  PERFORM public.vx_webhook_check_caller(p_user_id);
  SELECT CASE WHEN ps.expires_at > p_now THEN ARRAY[w.secret::text, ps.secret::text] ELSE ARRAY[w.secret::text] END
  INTO v_secrets
  FROM public.webhooks w
  LEFT JOIN public.webhook_previous_secrets ps ON ps.webhook_id = w.id
  WHERE w.id = p_webhook_id AND (p_user_id IS NULL OR w.user_id = p_user_id);
  RETURN v_secrets;
END
$$;

CREATE FUNCTION public.vx_webhook_logs(
  p_webhook_id uuid, p_user_id uuid, p_limit integer, p_before_at timestamptz, p_before_attempt integer,
  p_before_id uuid
) RETURNS SETOF public.webhook_logs
LANGUAGE sql STABLE AS $$
  SELECT l.* FROM public.webhook_logs l
  WHERE l.webhook_id = p_webhook_id
    AND (p_user_id IS NULL OR EXISTS (SELECT 1 FROM public.webhooks w WHERE w.id = l.webhook_id AND w.user_id = p_user_id))
    AND (p_before_at IS NULL OR (l.created_at, l.attempt_number, l.id) < (p_before_at, p_before_attempt, p_before_id))
  ORDER BY l.created_at DESC, l.attempt_number DESC, l.id DESC
  LIMIT p_limit
$$;

CREATE OR REPLACE FUNCTION public.vx_webhook_create_log(
  p_webhook_id uuid, p_event text, p_payload jsonb, p_status_code integer, p_response_body text, p_error text,
  p_attempt_number integer, p_delivered_at timestamptz, p_created_at timestamptz
) RETURNS SETOF public.webhook_logs
LANGUAGE sql VOLATILE SET search_path = '' AS $$
  WITH log AS (
    INSERT INTO public.webhook_logs
      (webhook_id, event, payload, status_code, response_body, error, attempt_number, delivered_at, created_at)
    VALUES (p_webhook_id, p_event, coalesce(p_payload, '{}'), p_status_code, p_response_body, p_error,
      coalesce(p_attempt_number, 1), p_delivered_at, coalesce(p_created_at, date_trunc('milliseconds', now())))
    RETURNING *
  ), touched AS (
    UPDATE public.webhooks w
    SET last_triggered_at = log.created_at, last_status = log.status_code,
      last_error = CASE WHEN log.delivered_at IS NULL THEN log.error END
    FROM log WHERE w.id = log.webhook_id
  )
  SELECT * FROM log
$$;

GRANT EXECUTE ON FUNCTION public.vx_webhook_logs(uuid, uuid, integer, timestamptz, integer, uuid)
  TO authenticated, service_role;

REVOKE ALL ON FUNCTION public.vx_webhook_same_request(public.webhook_events, uuid, text, text),
  public.vx_webhook_signing_secrets(uuid, uuid, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.vx_webhook_same_request(public.webhook_events, uuid, text, text),
  public.vx_webhook_signing_secrets(uuid, uuid, timestamptz) TO authenticated, service_role;

