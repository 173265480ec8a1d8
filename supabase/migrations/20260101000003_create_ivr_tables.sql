-- Generated from packages/db/migrations/003_create_ivr_tables.sql by `pnpm supabase:sync`. Do not edit: edit the source.

-- IVR menus (a tree per user) and the sessions of calls walking through them.

CREATE TABLE public.ivr_menus (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  name varchar(255) NOT NULL CHECK (length(btrim(name)) > 0),
  prompt text NOT NULL CHECK (length(btrim(prompt)) > 0),
  items jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(items) = 'array'),
  timeout integer NOT NULL DEFAULT 10000 CHECK (timeout > 0 AND timeout <= 600000),
  max_retries integer NOT NULL DEFAULT 3 CHECK (max_retries BETWEEN 0 AND 10),
  invalid_prompt text NOT NULL DEFAULT 'Sorry, that is not a valid option.',
  timeout_prompt text NOT NULL DEFAULT 'Sorry, we did not receive your selection.',
  parent_menu_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ivr_menus_id_user_id_key UNIQUE (id, user_id),
  CONSTRAINT ivr_menus_not_own_parent CHECK (parent_menu_id <> id),
  -- A parent belongs to the same user; deleting a parent with children is refused, never orphaning them.
  CONSTRAINT ivr_menus_parent_menu_id_fkey FOREIGN KEY (parent_menu_id, user_id)
    REFERENCES public.ivr_menus (id, user_id) ON DELETE RESTRICT
);
CREATE INDEX idx_ivr_menus_user_id ON public.ivr_menus (user_id);
CREATE INDEX idx_ivr_menus_parent_menu_id ON public.ivr_menus (parent_menu_id);
CREATE TRIGGER ivr_menus_set_updated_at BEFORE UPDATE ON public.ivr_menus
  FOR EACH ROW EXECUTE FUNCTION public.vx_set_updated_at();

CREATE TABLE public.ivr_sessions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- The telephony call id (e.g. Twilio's CallSid): one session per call.
  session_id varchar(255) NOT NULL CHECK (length(btrim(session_id)) > 0),
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  current_menu_id uuid,
  menu_stack jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(menu_stack) = 'array'),
  retry_count integer NOT NULL DEFAULT 0 CHECK (retry_count >= 0),
  start_time timestamptz NOT NULL DEFAULT now(),
  last_activity timestamptz NOT NULL DEFAULT now(),
  ended_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ivr_sessions_ended_after_start CHECK (ended_at IS NULL OR ended_at >= start_time),
  -- Deleting a menu keeps the call's history and clears only its current menu.
  CONSTRAINT ivr_sessions_current_menu_id_fkey FOREIGN KEY (current_menu_id, user_id)
    REFERENCES public.ivr_menus (id, user_id) ON DELETE SET NULL (current_menu_id)
);
CREATE UNIQUE INDEX idx_ivr_sessions_session_id ON public.ivr_sessions (session_id);
CREATE INDEX idx_ivr_sessions_user_id ON public.ivr_sessions (user_id);
CREATE INDEX idx_ivr_sessions_current_menu_id ON public.ivr_sessions (current_menu_id);
CREATE INDEX idx_ivr_sessions_last_activity ON public.ivr_sessions (last_activity);

ALTER TABLE public.ivr_menus ENABLE ROW LEVEL SECURITY;
CREATE POLICY "Users can view their own IVR menus" ON public.ivr_menus
  FOR SELECT TO authenticated USING ((SELECT auth.uid()) = user_id);
CREATE POLICY "Users can create their own IVR menus" ON public.ivr_menus
  FOR INSERT TO authenticated WITH CHECK ((SELECT auth.uid()) = user_id);
CREATE POLICY "Users can update their own IVR menus" ON public.ivr_menus
  FOR UPDATE TO authenticated USING ((SELECT auth.uid()) = user_id) WITH CHECK ((SELECT auth.uid()) = user_id);
CREATE POLICY "Users can delete their own IVR menus" ON public.ivr_menus
  FOR DELETE TO authenticated USING ((SELECT auth.uid()) = user_id);

ALTER TABLE public.ivr_sessions ENABLE ROW LEVEL SECURITY;
CREATE POLICY "Users can view their own IVR sessions" ON public.ivr_sessions
  FOR SELECT TO authenticated USING ((SELECT auth.uid()) = user_id);
CREATE POLICY "System can manage IVR sessions" ON public.ivr_sessions
  FOR ALL TO service_role USING (true) WITH CHECK (true);

GRANT SELECT, INSERT, UPDATE, DELETE ON public.ivr_menus TO authenticated;
GRANT SELECT ON public.ivr_sessions TO authenticated;
GRANT ALL ON public.ivr_menus, public.ivr_sessions TO service_role;

