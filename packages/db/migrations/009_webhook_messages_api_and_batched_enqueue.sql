-- Messages over HTTP and a cheaper outbox.
-- * Every attempt's log row gets an id derived from (message id, attempt number), so a message's attempts are
--   found by primary key although webhook_logs (the specification's table, kept exact) has no message column.
-- * vx_webhook_enqueue_batch: several events in one statement and one commit, for callers that trigger
--   concurrently on a pool (the Node adapter gathers them); each event behaves exactly as vx_webhook_enqueue.

-- * webhook_messages loses its foreign key to auth.users: a message's user is its webhook's (enqueue copies it), and
--   deleting a user already deletes their webhooks and so their messages. The key's check cost every enqueued
--   message a locking read of the user's row, the hottest row of a busy tenant.

-- Up Migration
ALTER TABLE public.webhook_messages DROP CONSTRAINT webhook_messages_user_id_fkey;

-- A version-8 UUID (RFC 9562 "custom") from the message id and the attempt number: stable, so the attempt's log
-- row is found without scanning, and a second write of the same attempt is a no-op (ON CONFLICT DO NOTHING).
CREATE FUNCTION public.vx_webhook_attempt_id(p_message_id uuid, p_attempt integer) RETURNS uuid
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = public, pg_temp AS $$
  SELECT overlay(overlay(md5(p_message_id::text || ':' || p_attempt::text) PLACING '8' FROM 13) PLACING '8' FROM 17)::uuid
$$;

CREATE OR REPLACE FUNCTION public.vx_webhook_claim(p_worker text, p_limit integer, p_now timestamptz, p_lease_ms integer)
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
    INSERT INTO public.webhook_logs (id, webhook_id, event, payload, error, attempt_number, created_at)
    SELECT public.vx_webhook_attempt_id(m.id, due.attempts), m.webhook_id, m.event, e.payload,
      'outcome unknown: the worker''s lease expired before it recorded this attempt', due.attempts, p_now
    FROM due
    JOIN public.webhook_messages m ON m.id = due.id
    JOIN public.webhook_events e ON e.id = m.event_id
    WHERE due.status = 'sending' AND due.attempts > 0
    ON CONFLICT (id) DO NOTHING
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

CREATE OR REPLACE FUNCTION public.vx_webhook_record(
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
      (id, webhook_id, event, payload, status_code, response_body, error, attempt_number, delivered_at, created_at)
    SELECT public.vx_webhook_attempt_id(h.id, h.attempt_number), h.webhook_id, h.event, e.payload, h.status_code, h.response_body, h.error, h.attempt_number,
      CASE h.outcome WHEN 'delivered' THEN p_now END, p_now
    FROM held h JOIN public.webhook_events e ON e.id = h.event_id
    ON CONFLICT (id) DO NOTHING
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

-- One row per event, in input order (ord from 1), each as vx_webhook_enqueue would answer it alone, but set-based:
-- three statements for the whole batch instead of several per event. A repeated idempotency key within the batch is
-- a duplicate of its first occurrence (rows are inserted in input order), as it would be in separate calls.
CREATE FUNCTION public.vx_webhook_enqueue_batch(
  p_user_ids uuid[], p_agent_ids uuid[], p_events text[], p_bodies text[], p_idempotency_keys text[],
  p_nows timestamptz[]
) RETURNS TABLE (ord integer, event_id uuid, deliveries integer, duplicate boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
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

  -- A new statement: it sees this batch's rows and any event another transaction committed with the same key.
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

REVOKE ALL ON FUNCTION public.vx_webhook_enqueue_batch(uuid[], uuid[], text[], text[], text[], timestamptz[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.vx_webhook_enqueue_batch(uuid[], uuid[], text[], text[], text[], timestamptz[])
  TO authenticated, service_role;

-- Down Migration
DROP FUNCTION public.vx_webhook_enqueue_batch(uuid[], uuid[], text[], text[], text[], timestamptz[]);

CREATE OR REPLACE FUNCTION public.vx_webhook_record(
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

CREATE OR REPLACE FUNCTION public.vx_webhook_claim(p_worker text, p_limit integer, p_now timestamptz, p_lease_ms integer)
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

DROP FUNCTION public.vx_webhook_attempt_id(uuid, integer);

ALTER TABLE public.webhook_messages ADD CONSTRAINT webhook_messages_user_id_fkey
  FOREIGN KEY (user_id) REFERENCES auth.users (id) ON DELETE CASCADE;
