-- Generated from packages/db/migrations/002_create_webhooks_tables.sql by `pnpm supabase:sync`. Do not edit: edit the source.

-- Webhook subscriptions and their delivery log, plus the minimal agents table webhooks may be scoped to.

CREATE TABLE public.agents (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  name varchar(255) NOT NULL CHECK (length(btrim(name)) > 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- Target of the composite foreign keys that keep a webhook on an agent of its own user.
  CONSTRAINT agents_id_user_id_key UNIQUE (id, user_id)
);
CREATE INDEX idx_agents_user_id ON public.agents (user_id);
CREATE TRIGGER agents_set_updated_at BEFORE UPDATE ON public.agents
  FOR EACH ROW EXECUTE FUNCTION public.vx_set_updated_at();

CREATE TABLE public.webhooks (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  agent_id uuid,
  url text NOT NULL CHECK (length(url) <= 2048 AND url ~* '^https?://[^[:space:]]+$'),
  events text[] NOT NULL CHECK (cardinality(events) > 0 AND array_position(events, NULL) IS NULL),
  secret varchar(255) NOT NULL CHECK (length(secret) >= 16),
  enabled boolean NOT NULL DEFAULT true,
  -- Retries after the first attempt.
  retry_count integer NOT NULL DEFAULT 7 CHECK (retry_count BETWEEN 0 AND 20),
  last_triggered_at timestamptz,
  last_status integer CHECK (last_status BETWEEN 100 AND 599),
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- Deleting an agent deletes its webhooks: widening them to all agents would leak events.
  CONSTRAINT webhooks_agent_id_fkey FOREIGN KEY (agent_id, user_id)
    REFERENCES public.agents (id, user_id) ON DELETE CASCADE
);
CREATE INDEX idx_webhooks_user_id ON public.webhooks (user_id);
CREATE INDEX idx_webhooks_agent_id ON public.webhooks (agent_id);
CREATE INDEX idx_webhooks_enabled ON public.webhooks (enabled);
CREATE TRIGGER webhooks_set_updated_at BEFORE UPDATE ON public.webhooks
  FOR EACH ROW EXECUTE FUNCTION public.vx_set_updated_at();

CREATE TABLE public.webhook_logs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  webhook_id uuid NOT NULL REFERENCES public.webhooks (id) ON DELETE CASCADE,
  event varchar(255) NOT NULL CHECK (length(event) > 0),
  payload jsonb NOT NULL DEFAULT '{}',
  status_code integer CHECK (status_code BETWEEN 100 AND 599),
  response_body text,
  error text,
  attempt_number integer NOT NULL DEFAULT 1 CHECK (attempt_number >= 1),
  delivered_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
-- (webhook_id, created_at) serves both "logs of a webhook" and "newest first".
CREATE INDEX idx_webhook_logs_webhook_id ON public.webhook_logs (webhook_id, created_at DESC);
CREATE INDEX idx_webhook_logs_event ON public.webhook_logs (event);
CREATE INDEX idx_webhook_logs_created_at ON public.webhook_logs (created_at);

ALTER TABLE public.agents ENABLE ROW LEVEL SECURITY;
CREATE POLICY "Users can view their own agents" ON public.agents
  FOR SELECT TO authenticated USING ((SELECT auth.uid()) = user_id);
CREATE POLICY "Users can create their own agents" ON public.agents
  FOR INSERT TO authenticated WITH CHECK ((SELECT auth.uid()) = user_id);
CREATE POLICY "Users can update their own agents" ON public.agents
  FOR UPDATE TO authenticated USING ((SELECT auth.uid()) = user_id) WITH CHECK ((SELECT auth.uid()) = user_id);
CREATE POLICY "Users can delete their own agents" ON public.agents
  FOR DELETE TO authenticated USING ((SELECT auth.uid()) = user_id);

ALTER TABLE public.webhooks ENABLE ROW LEVEL SECURITY;
CREATE POLICY "Users can view their own webhooks" ON public.webhooks
  FOR SELECT TO authenticated USING ((SELECT auth.uid()) = user_id);
CREATE POLICY "Users can create their own webhooks" ON public.webhooks
  FOR INSERT TO authenticated WITH CHECK ((SELECT auth.uid()) = user_id);
CREATE POLICY "Users can update their own webhooks" ON public.webhooks
  FOR UPDATE TO authenticated USING ((SELECT auth.uid()) = user_id) WITH CHECK ((SELECT auth.uid()) = user_id);
CREATE POLICY "Users can delete their own webhooks" ON public.webhooks
  FOR DELETE TO authenticated USING ((SELECT auth.uid()) = user_id);

ALTER TABLE public.webhook_logs ENABLE ROW LEVEL SECURITY;
CREATE POLICY "Users can view logs for their webhooks" ON public.webhook_logs
  FOR SELECT TO authenticated USING (
    EXISTS (SELECT 1 FROM public.webhooks w WHERE w.id = webhook_id AND w.user_id = (SELECT auth.uid()))
  );

GRANT SELECT, INSERT, UPDATE, DELETE ON public.agents TO authenticated;
-- Delivery bookkeeping (last_*) is written by the system, not by users.
GRANT SELECT, INSERT, DELETE ON public.webhooks TO authenticated;
GRANT UPDATE (agent_id, url, events, secret, enabled, retry_count) ON public.webhooks TO authenticated;
GRANT SELECT ON public.webhook_logs TO authenticated;
GRANT ALL ON public.agents, public.webhooks, public.webhook_logs TO service_role;

