-- vx_webhook_record finds the attempts' messages by primary key only. It used to test `status = 'sending'` as well,
-- which matches the due index's predicate (status IN ('pending', 'sending')), and a generic plan made while that index
-- looked small (a fresh or truncated queue, stats not yet analyzed) drove the update from it instead: every record
-- read every due message, nested against the batch, so recording got slower as the backlog grew (5.8 ms for 55
-- attempts with 7,000 messages due, read off auto_explain). `locked_by = p_worker` already says the message is this
-- worker's claim: only a claim sets locked_by (with status 'sending') and every record clears it, and replay and
-- recover never touch a message being sent.

-- Up Migration
CREATE OR REPLACE FUNCTION public.vx_webhook_record(
  p_worker text, p_now timestamptz, p_disable_after_ms bigint,
  -- One entry per attempt, in the order they finished (typed arrays: cheaper to read than JSON).
  p_message_ids uuid[], p_attempt_numbers integer[], p_status_codes integer[], p_response_bodies text[],
  p_errors text[], p_outcomes text[], p_next_attempts timestamptz[], p_disable_reasons text[]
) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off SET plan_cache_mode = force_generic_plan
AS $$
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
    WHERE m.id = r.message_id AND m.locked_by = p_worker
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

-- Down Migration
-- The record as migration 009 wrote it, with migration 011's settings.
CREATE OR REPLACE FUNCTION public.vx_webhook_record(
  p_worker text, p_now timestamptz, p_disable_after_ms bigint,
  -- One entry per attempt, in the order they finished (typed arrays: cheaper to read than JSON).
  p_message_ids uuid[], p_attempt_numbers integer[], p_status_codes integer[], p_response_bodies text[],
  p_errors text[], p_outcomes text[], p_next_attempts timestamptz[], p_disable_reasons text[]
) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off SET plan_cache_mode = force_generic_plan
AS $$
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
