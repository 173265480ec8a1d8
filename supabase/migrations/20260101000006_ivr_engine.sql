-- Generated from packages/db/migrations/006_ivr_engine.sql by `pnpm supabase:sync`. Do not edit: edit the source.

-- What the IVR engine needs beyond the specification's columns: per-menu escape, operator and keys on
-- ivr_menus; status, end reason, engine counters and an optimistic-concurrency version on ivr_sessions.

ALTER TABLE public.ivr_menus
  -- Where a call goes past max_retries ({"action": "agent"|"transfer", "target": …}); NULL hangs up.
  ADD COLUMN on_max_retries jsonb,
  -- Reached with operator_key; NULL: this menu has no operator.
  ADD COLUMN operator jsonb,
  ADD COLUMN back_key text DEFAULT '*',
  ADD COLUMN operator_key text DEFAULT '0',
  ADD COLUMN inter_digit_timeout integer NOT NULL DEFAULT 3000,
  ADD CONSTRAINT ivr_menus_on_max_retries_check CHECK (
    on_max_retries IS NULL OR (jsonb_typeof(on_max_retries) = 'object'
      AND on_max_retries ->> 'action' IN ('agent', 'transfer') AND length(on_max_retries ->> 'target') > 0)),
  ADD CONSTRAINT ivr_menus_operator_check CHECK (
    operator IS NULL OR (jsonb_typeof(operator) = 'object'
      AND operator ->> 'action' IN ('agent', 'transfer') AND length(operator ->> 'target') > 0)),
  ADD CONSTRAINT ivr_menus_back_key_check CHECK (back_key IS NULL OR back_key ~ '^[0-9*#]$'),
  ADD CONSTRAINT ivr_menus_operator_key_check CHECK (operator_key IS NULL OR operator_key ~ '^[0-9*#]$'),
  ADD CONSTRAINT ivr_menus_inter_digit_timeout_check CHECK (inter_digit_timeout > 0 AND inter_digit_timeout <= 60000);

ALTER TABLE public.ivr_sessions
  ADD COLUMN status text NOT NULL DEFAULT 'active',
  ADD COLUMN end_reason text,
  -- Engine counters and any half-typed entry: {"invalid_count", "timeout_count", "buffer", "hand_off"}.
  ADD COLUMN state jsonb NOT NULL DEFAULT '{}',
  -- Bumped by every write: a step writes only if the version it read is still current.
  ADD COLUMN version integer NOT NULL DEFAULT 0;

-- Sessions that ended before this migration had no status: they count as abandoned.
UPDATE public.ivr_sessions SET status = 'abandoned', end_reason = 'caller_hangup' WHERE ended_at IS NOT NULL;

ALTER TABLE public.ivr_sessions
  ADD CONSTRAINT ivr_sessions_status_check
    CHECK (status IN ('active', 'completed', 'abandoned', 'failed', 'timeout')),
  ADD CONSTRAINT ivr_sessions_ended_when_not_active CHECK ((status = 'active') = (ended_at IS NULL)),
  ADD CONSTRAINT ivr_sessions_state_check CHECK (jsonb_typeof(state) = 'object'),
  ADD CONSTRAINT ivr_sessions_version_check CHECK (version >= 0);

-- The idle sweep reads only live sessions, oldest activity first.
CREATE INDEX idx_ivr_sessions_live_last_activity ON public.ivr_sessions (last_activity) WHERE ended_at IS NULL;

