-- Webhooks at Svix's depth.
-- * webhook_event_types: the event catalog as data (name, description, JSON Schema of the payload, example,
--   deprecated/archived), seeded with the built-in types; everyone signed in reads it, the operator writes it.
-- * Subscriptions may be patterns: `call.*` receives call.started; `ivr.*` receives ivr.session.started too.
--   vx_webhook_event_patterns(event) lists the subscriptions that receive an event, so matching stays one `&&`.
-- * webhooks.headers (sent with every delivery), webhooks.channels and webhook_events.channels (a message goes to
--   an endpoint without channels, or to one sharing a channel with the event, as Svix routes), and
--   webhooks.rate_limit_per_second.
-- * Throttling is counted in webhook_throttles, one row per throttled webhook and calendar second, under a row lock
--   taken by the claim: any number of worker processes together never exceed the limit. Messages over it are not
--   claimed (never failed): they stay due and wait, in order, for the next second.
-- * webhook_logs.duration_ms (a plain nullable column): each attempt's latency, for vx_webhook_stats.
-- * Operational events: recording an attempt that disables a webhook enqueues `endpoint.disabled` for its owner,
--   and a message's last failed attempt `message.attempt.exhausted`, in the same transaction, through the same
--   engine (an owner's webhook subscribed to them is their operational endpoint).
-- enqueue, enqueue_batch and record take one more argument (with a default) and claim returns the headers, so
-- they are dropped and created again, with the grants and plan settings their previous versions had.

-- Up Migration
CREATE TABLE public.webhook_event_types (
  name varchar(255) PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$'),
  description text NOT NULL CHECK (length(btrim(description)) BETWEEN 1 AND 1000),
  -- JSON Schema (draft 2020-12) of the payload, checked by the library when an event is triggered.
  schema jsonb CHECK (schema IS NULL OR jsonb_typeof(schema) IN ('object', 'boolean')),
  example jsonb,
  deprecated boolean NOT NULL DEFAULT false,
  archived boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER webhook_event_types_set_updated_at BEFORE UPDATE ON public.webhook_event_types
  FOR EACH ROW EXECUTE FUNCTION public.vx_set_updated_at();
INSERT INTO public.webhook_event_types (name, description) VALUES
  ('call.started', 'A call with one of your agents started.'),
  ('call.ended', 'A call with one of your agents ended.'),
  ('conversation.updated', 'A conversation''s transcript or state changed.'),
  ('call.transferred', 'An IVR handed a call to a person or another number.'),
  ('ivr.session.started', 'A caller entered an IVR menu.'),
  ('ivr.session.ended', 'An IVR session ended (completed, abandoned, failed or timed out).'),
  ('endpoint.disabled', 'One of your webhooks was disabled: by you, after a 410 Gone, or after days of failures.'),
  ('endpoint.enabled', 'One of your webhooks was enabled again.'),
  ('message.attempt.exhausted', 'A message to one of your webhooks failed its last attempt.');
ALTER TABLE public.webhook_event_types ENABLE ROW LEVEL SECURITY;
CREATE POLICY "Signed-in users can view the event types" ON public.webhook_event_types
  FOR SELECT TO authenticated USING (true);
GRANT SELECT ON public.webhook_event_types TO authenticated;
GRANT ALL ON public.webhook_event_types TO service_role;

ALTER TABLE public.webhooks
  -- Checked by the library (no hop-by-hop, no webhook-*); the database keeps the shape and the size.
  ADD COLUMN headers jsonb NOT NULL DEFAULT '{}'
    CHECK (jsonb_typeof(headers) = 'object' AND octet_length(headers::text) <= 4096),
  -- NULL: every message; otherwise only messages sharing one of these channels.
  ADD COLUMN channels text[]
    CHECK (channels IS NULL OR (cardinality(channels) BETWEEN 1 AND 10 AND array_position(channels, NULL) IS NULL)),
  ADD COLUMN rate_limit_per_second integer CHECK (rate_limit_per_second BETWEEN 1 AND 10000);
-- Claims look up the throttled webhooks among the ones they took: few, so a small partial index.
CREATE INDEX idx_webhooks_throttled ON public.webhooks (id) WHERE rate_limit_per_second IS NOT NULL;
GRANT UPDATE (headers, channels, rate_limit_per_second) ON public.webhooks TO authenticated;

ALTER TABLE public.webhook_events ADD COLUMN channels text[]
  CHECK (channels IS NULL OR (cardinality(channels) <= 10 AND array_position(channels, NULL) IS NULL));

ALTER TABLE public.webhook_logs ADD COLUMN duration_ms integer CHECK (duration_ms >= 0);

-- One row per throttled webhook: the messages claimed in the calendar second starting at window_start, and until
-- when its messages are skipped (its limit is reached for that second).
CREATE TABLE public.webhook_throttles (
  webhook_id uuid PRIMARY KEY REFERENCES public.webhooks (id) ON DELETE CASCADE,
  window_start timestamptz NOT NULL,
  sent integer NOT NULL CHECK (sent >= 0),
  blocked_until timestamptz
);
-- System bookkeeping, written by the claim (SECURITY DEFINER); no user reads it.
ALTER TABLE public.webhook_throttles ENABLE ROW LEVEL SECURITY;
CREATE POLICY "Only the system reads and writes throttles" ON public.webhook_throttles
  FOR ALL TO service_role USING (true) WITH CHECK (true);
GRANT ALL ON public.webhook_throttles TO service_role;

-- The subscriptions that receive an event: its name, then `prefix.*` for each leading run of its segments.
CREATE FUNCTION public.vx_webhook_event_patterns(p_event text) RETURNS text[]
LANGUAGE sql IMMUTABLE SET search_path = '' AS $$
  SELECT ARRAY[p_event] || ARRAY(
    SELECT array_to_string((string_to_array(p_event, '.'))[1:n], '.') || '.*'
    FROM generate_series(cardinality(string_to_array(p_event, '.')) - 1, 1, -1) AS n
  )
$$;

DROP FUNCTION public.vx_webhook_enqueue(uuid, uuid, text, text, text, timestamptz);
CREATE FUNCTION public.vx_webhook_enqueue(
  p_user_id uuid, p_agent_id uuid, p_event text, p_body text, p_idempotency_key text, p_now timestamptz,
  p_channels text[] DEFAULT NULL
) RETURNS TABLE (event_id uuid, deliveries integer, duplicate boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  v_event uuid;
  v_count integer;
  v_same boolean;
  v_patterns text[] := public.vx_webhook_event_patterns(p_event);
BEGIN
  PERFORM public.vx_webhook_check_caller(p_user_id);
  INSERT INTO public.webhook_events AS e (user_id, agent_id, event, body, idempotency_key, created_at, channels)
  VALUES (p_user_id, p_agent_id, p_event, p_body, p_idempotency_key, p_now, p_channels)
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
  WHERE w.user_id = p_user_id AND w.enabled AND w.events && v_patterns
    AND (w.agent_id IS NULL OR w.agent_id = p_agent_id)
    AND (w.channels IS NULL OR w.channels && coalesce(p_channels, '{}'));
  GET DIAGNOSTICS v_count = ROW_COUNT;
  -- One notifier at a time (migration 005 says why).
  IF v_count > 0 AND pg_try_advisory_xact_lock(hashtext('vx_webhook_messages')) THEN
    PERFORM pg_notify('vx_webhook_messages', '');
  END IF;
  RETURN QUERY SELECT v_event, v_count, false;
END
$$;

-- p_channels: a JSON array aligned with the other arrays, each entry null or an array of channel names (a SQL
-- array of arrays must be rectangular; these are not).
DROP FUNCTION public.vx_webhook_enqueue_batch(uuid[], uuid[], text[], text[], text[], timestamptz[]);
CREATE FUNCTION public.vx_webhook_enqueue_batch(
  p_user_ids uuid[], p_agent_ids uuid[], p_events text[], p_bodies text[], p_idempotency_keys text[],
  p_nows timestamptz[], p_channels jsonb DEFAULT NULL
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
    SELECT a.*, CASE WHEN jsonb_typeof(p_channels -> (a.ord::integer - 1)) = 'array'
        THEN ARRAY(SELECT jsonb_array_elements_text(p_channels -> (a.ord::integer - 1))) END AS channels
    FROM unnest(v_ids, p_user_ids, p_agent_ids, p_events, p_bodies, p_idempotency_keys, p_nows)
      WITH ORDINALITY AS a(id, user_id, agent_id, event, body, idempotency_key, now, ord)
  ),
  events AS (
    INSERT INTO public.webhook_events AS e (id, user_id, agent_id, event, body, idempotency_key, created_at, channels)
    SELECT i.id, i.user_id, i.agent_id, i.event, i.body, i.idempotency_key, i.now, i.channels FROM input i ORDER BY i.ord
    ON CONFLICT (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
    RETURNING e.id, e.user_id, e.agent_id, e.event, e.created_at, e.channels,
      public.vx_webhook_event_patterns(e.event) AS patterns
  ),
  messages AS (
    INSERT INTO public.webhook_messages (event_id, webhook_id, user_id, event, max_attempts, due_at, created_at,
      updated_at)
    SELECT ev.id, w.id, w.user_id, ev.event, w.retry_count + 1, ev.created_at, ev.created_at, ev.created_at
    FROM events ev
    JOIN public.webhooks w ON w.user_id = ev.user_id AND w.enabled AND w.events && ev.patterns
      AND (w.agent_id IS NULL OR w.agent_id = ev.agent_id)
      AND (w.channels IS NULL OR w.channels && coalesce(ev.channels, '{}'))
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

-- As migration 011's claim, and: webhooks at their rate limit for this second are skipped; of a throttled webhook's
-- due messages, only as many as its limit leaves this second are claimed (the rest stay due, untouched). The
-- throttle row is locked (ON CONFLICT DO UPDATE reads its latest version), so concurrent claims count together.
DROP FUNCTION public.vx_webhook_claim(text, integer, timestamptz, integer);
CREATE FUNCTION public.vx_webhook_claim(p_worker text, p_limit integer, p_now timestamptz, p_lease_ms integer)
RETURNS TABLE (
  id uuid, event_id uuid, webhook_id uuid, event text, body text, attempt_number integer,
  max_attempts integer, url text, secrets text[], enabled boolean, headers jsonb
)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
DECLARE
  v_ids uuid[];
  v_webhooks uuid[];
  v_window timestamptz := date_trunc('second', p_now);
  v_sent integer;
  v_take integer;
  r record;
BEGIN
  SELECT array_agg(d.id ORDER BY d.due_at), array_agg(d.webhook_id ORDER BY d.due_at) INTO v_ids, v_webhooks
  FROM (
    SELECT m.id, m.webhook_id, m.due_at
    FROM public.webhook_messages m
    WHERE m.status IN ('pending', 'sending') AND m.due_at <= p_now
      AND NOT EXISTS (
        SELECT 1 FROM public.webhook_throttles t WHERE t.webhook_id = m.webhook_id AND t.blocked_until > p_now
      )
    ORDER BY m.due_at
    LIMIT p_limit
    FOR UPDATE OF m SKIP LOCKED
  ) d;
  IF v_ids IS NULL THEN
    RETURN;
  END IF;

  FOR r IN
    SELECT w.id AS webhook_id, w.rate_limit_per_second AS rate, array_agg(c.id ORDER BY c.ord) AS ids
    FROM unnest(v_ids, v_webhooks) WITH ORDINALITY AS c(id, webhook_id, ord)
    JOIN public.webhooks w ON w.id = c.webhook_id AND w.rate_limit_per_second IS NOT NULL
    GROUP BY w.id, w.rate_limit_per_second
    ORDER BY w.id
  LOOP
    INSERT INTO public.webhook_throttles AS t (webhook_id, window_start, sent) VALUES (r.webhook_id, v_window, 0)
    ON CONFLICT (webhook_id) DO UPDATE
      SET window_start = greatest(t.window_start, v_window),
        sent = CASE WHEN t.window_start >= v_window THEN t.sent ELSE 0 END
    RETURNING t.sent INTO v_sent;
    v_take := least(greatest(r.rate - v_sent, 0), cardinality(r.ids));
    UPDATE public.webhook_throttles t
    SET sent = v_sent + v_take,
      blocked_until = CASE WHEN v_sent + v_take >= r.rate THEN t.window_start + interval '1 second' END
    WHERE t.webhook_id = r.webhook_id;
    IF v_take < cardinality(r.ids) THEN
      v_ids := ARRAY(SELECT k FROM unnest(v_ids) AS k WHERE k <> ALL (r.ids[v_take + 1:]));
    END IF;
  END LOOP;

  RETURN QUERY
    WITH due AS (
      SELECT m.id, m.status, m.attempts, k.ord
      FROM unnest(v_ids) WITH ORDINALITY AS k(id, ord)
      JOIN public.webhook_messages m ON m.id = k.id
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
      w.enabled, w.headers
    FROM claimed c
    JOIN due ON due.id = c.id
    JOIN public.webhooks w ON w.id = c.webhook_id
    JOIN public.webhook_events e ON e.id = c.event_id
    LEFT JOIN public.webhook_previous_secrets ps ON ps.webhook_id = c.webhook_id
    ORDER BY due.ord;
END
$$;

-- As migration 012's record, and: each attempt's duration is logged; recording that disables a webhook enqueues
-- `endpoint.disabled` for its owner, and a message's last failed attempt `message.attempt.exhausted` (operational
-- events are not themselves reported, so an operational endpoint that fails cannot feed itself).
DROP FUNCTION public.vx_webhook_record(text, timestamptz, bigint, uuid[], integer[], integer[], text[], text[],
  text[], timestamptz[], text[]);
CREATE FUNCTION public.vx_webhook_record(
  p_worker text, p_now timestamptz, p_disable_after_ms bigint,
  -- One entry per attempt, in the order they finished (typed arrays: cheaper to read than JSON).
  p_message_ids uuid[], p_attempt_numbers integer[], p_status_codes integer[], p_response_bodies text[],
  p_errors text[], p_outcomes text[], p_next_attempts timestamptz[], p_disable_reasons text[],
  p_durations integer[] DEFAULT NULL
) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  v_failing uuid[];
  v_touched uuid[];
  v_held uuid[];
  v_exhausted uuid[];
  v_disabled uuid[];
  v_users uuid[];
  v_events text[];
  v_bodies text[];
  v_stamp text := to_char(p_now AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
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
      p_next_attempts, p_durations)
      AS a(message_id, attempt_number, status_code, response_body, error, outcome, next_attempt_at, duration_ms)
    WHERE a.message_id IS NOT NULL
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
      r.attempt_number, m.max_attempts, r.duration_ms
  ),
  logs AS (
    INSERT INTO public.webhook_logs (id, webhook_id, event, payload, status_code, response_body, error,
      attempt_number, delivered_at, created_at, duration_ms)
    SELECT public.vx_webhook_attempt_id(h.id, h.attempt_number), h.webhook_id, h.event, e.payload, h.status_code,
      h.response_body, h.error, h.attempt_number, CASE h.outcome WHEN 'delivered' THEN p_now END, p_now,
      greatest(h.duration_ms, 0)
    FROM held h JOIN public.webhook_events e ON e.id = h.event_id
    ON CONFLICT (id) DO NOTHING
  )
  SELECT array_agg(h.id),
    array_agg(h.id) FILTER (WHERE h.outcome = 'failed' AND h.attempt_number >= h.max_attempts
      AND h.event NOT IN ('endpoint.disabled', 'endpoint.enabled', 'message.attempt.exhausted'))
  INTO v_held, v_exhausted FROM held h;

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
  ),
  -- Disabling happens only to failing webhooks, locked above: the enabled flag read here is current.
  was AS (
    SELECT w.id, w.enabled FROM public.webhooks w JOIN health h ON h.webhook_id = w.id WHERE h.disable
  ),
  updated AS (
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
    WHERE w.id = h.webhook_id AND (h.locked OR w.id IN (SELECT q.id FROM quiet q))
    RETURNING w.id
  )
  SELECT array_agg(was.id) INTO v_disabled FROM was JOIN updated u ON u.id = was.id WHERE was.enabled;

  IF v_disabled IS NOT NULL OR v_exhausted IS NOT NULL THEN
    SELECT array_agg(o.user_id ORDER BY o.n, o.id), array_agg(o.event ORDER BY o.n, o.id),
      array_agg(o.body ORDER BY o.n, o.id)
    INTO v_users, v_events, v_bodies
    FROM (
      SELECT 1 AS n, w.id, w.user_id, 'endpoint.disabled' AS event,
        json_build_object('type', 'endpoint.disabled', 'timestamp', v_stamp, 'data', json_build_object(
          'endpoint_id', w.id, 'reason', w.last_error,
          'failing_since', to_char(s.failing_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))::text AS body
      FROM public.webhooks w LEFT JOIN public.webhook_failure_streaks s ON s.webhook_id = w.id
      WHERE w.id = ANY (v_disabled)
      UNION ALL
      SELECT 2, m.id, m.user_id, 'message.attempt.exhausted',
        json_build_object('type', 'message.attempt.exhausted', 'timestamp', v_stamp, 'data', json_build_object(
          'endpoint_id', m.webhook_id, 'message_id', m.id, 'event_id', m.event_id, 'event', m.event,
          'attempts', m.attempts, 'last_error', m.last_error))::text
      FROM public.webhook_messages m
      WHERE m.id = ANY (v_exhausted)
    ) o;
    PERFORM 1 FROM public.vx_webhook_enqueue_batch(v_users, array_fill(NULL::uuid, ARRAY[cardinality(v_users)]),
      v_events, v_bodies, array_fill(NULL::text, ARRAY[cardinality(v_users)]),
      array_fill(p_now, ARRAY[cardinality(v_users)]));
  END IF;

  RETURN coalesce(cardinality(v_held), 0);
END
$$;

-- Hourly delivered and failed attempts of one webhook, with latency percentiles, from its logs (test pings left
-- out). Runs as the caller: RLS confines a user to their own webhooks' logs.
CREATE FUNCTION public.vx_webhook_stats(p_webhook_id uuid, p_user_id uuid, p_since timestamptz, p_until timestamptz)
RETURNS TABLE (
  hour timestamptz, delivered integer, failed integer, p50_ms double precision, p95_ms double precision,
  p99_ms double precision
)
LANGUAGE sql STABLE SET search_path = '' AS $$
  SELECT date_trunc('hour', l.created_at, 'UTC'),
    (count(*) FILTER (WHERE l.delivered_at IS NOT NULL))::integer,
    (count(*) FILTER (WHERE l.delivered_at IS NULL))::integer,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY l.duration_ms),
    percentile_cont(0.95) WITHIN GROUP (ORDER BY l.duration_ms),
    percentile_cont(0.99) WITHIN GROUP (ORDER BY l.duration_ms)
  FROM public.webhook_logs l
  JOIN public.webhooks w ON w.id = l.webhook_id
  WHERE l.webhook_id = p_webhook_id AND (p_user_id IS NULL OR w.user_id = p_user_id)
    AND l.created_at >= p_since AND l.created_at < p_until AND l.event <> 'webhook.test'
  GROUP BY 1
  ORDER BY 1
$$;

-- Supabase grants EXECUTE on new functions to anon and authenticated by default: revoke, then grant by need.
REVOKE ALL ON FUNCTION
  public.vx_webhook_event_patterns(text),
  public.vx_webhook_enqueue(uuid, uuid, text, text, text, timestamptz, text[]),
  public.vx_webhook_enqueue_batch(uuid[], uuid[], text[], text[], text[], timestamptz[], jsonb),
  public.vx_webhook_claim(text, integer, timestamptz, integer),
  public.vx_webhook_record(text, timestamptz, bigint, uuid[], integer[], integer[], text[], text[], text[],
    timestamptz[], text[], integer[]),
  public.vx_webhook_stats(uuid, uuid, timestamptz, timestamptz)
  FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION
  public.vx_webhook_event_patterns(text),
  public.vx_webhook_enqueue(uuid, uuid, text, text, text, timestamptz, text[]),
  public.vx_webhook_enqueue_batch(uuid[], uuid[], text[], text[], text[], timestamptz[], jsonb),
  public.vx_webhook_stats(uuid, uuid, timestamptz, timestamptz)
  TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION
  public.vx_webhook_claim(text, integer, timestamptz, integer),
  public.vx_webhook_record(text, timestamptz, bigint, uuid[], integer[], integer[], text[], text[], text[],
    timestamptz[], text[], integer[])
  TO service_role;

-- Down Migration
DROP FUNCTION public.vx_webhook_stats(uuid, uuid, timestamptz, timestamptz);
DROP FUNCTION public.vx_webhook_record(text, timestamptz, bigint, uuid[], integer[], integer[], text[], text[], text[],
  timestamptz[], text[], integer[]);
DROP FUNCTION public.vx_webhook_claim(text, integer, timestamptz, integer);
DROP FUNCTION public.vx_webhook_enqueue_batch(uuid[], uuid[], text[], text[], text[], timestamptz[], jsonb);
DROP FUNCTION public.vx_webhook_enqueue(uuid, uuid, text, text, text, timestamptz, text[]);

-- The four functions as migrations 011, 012 and 013 left them, with their grants.
CREATE FUNCTION public.vx_webhook_enqueue(
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

CREATE FUNCTION public.vx_webhook_enqueue_batch(
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

CREATE FUNCTION public.vx_webhook_claim(p_worker text, p_limit integer, p_now timestamptz, p_lease_ms integer)
RETURNS TABLE (
  id uuid, event_id uuid, webhook_id uuid, event text, body text, attempt_number integer,
  max_attempts integer, url text, secrets text[], enabled boolean
)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
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
    LEFT JOIN public.webhook_previous_secrets ps ON ps.webhook_id = c.webhook_id;
END
$$;

CREATE FUNCTION public.vx_webhook_record(
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

REVOKE ALL ON FUNCTION public.vx_webhook_enqueue(uuid, uuid, text, text, text, timestamptz),
  public.vx_webhook_enqueue_batch(uuid[], uuid[], text[], text[], text[], timestamptz[]),
  public.vx_webhook_claim(text, integer, timestamptz, integer),
  public.vx_webhook_record(text, timestamptz, bigint, uuid[], integer[], integer[], text[], text[], text[],
    timestamptz[], text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.vx_webhook_enqueue(uuid, uuid, text, text, text, timestamptz),
  public.vx_webhook_enqueue_batch(uuid[], uuid[], text[], text[], text[], timestamptz[]) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.vx_webhook_claim(text, integer, timestamptz, integer),
  public.vx_webhook_record(text, timestamptz, bigint, uuid[], integer[], integer[], text[], text[], text[],
    timestamptz[], text[]) TO service_role;

DROP FUNCTION public.vx_webhook_event_patterns(text);
DROP TABLE public.webhook_throttles;
ALTER TABLE public.webhook_logs DROP COLUMN duration_ms;
ALTER TABLE public.webhook_events DROP COLUMN channels;
REVOKE UPDATE (headers, channels, rate_limit_per_second) ON public.webhooks FROM authenticated;
DROP INDEX public.idx_webhooks_throttled;
ALTER TABLE public.webhooks DROP COLUMN rate_limit_per_second, DROP COLUMN channels, DROP COLUMN headers;
DROP TABLE public.webhook_event_types;
