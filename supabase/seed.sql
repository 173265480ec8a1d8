-- Demo data for `supabase db reset` and local development: two users, an agent each,
-- a webhook, and the specification's example IVR menu. Safe to run twice.

INSERT INTO auth.users (id, email) VALUES
  ('00000000-0000-4000-8000-00000000000a', 'alice@example.com'),
  ('00000000-0000-4000-8000-00000000000b', 'bob@example.com')
ON CONFLICT (id) DO NOTHING;

INSERT INTO public.agents (id, user_id, name) VALUES
  ('00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-00000000000a', 'Alice support agent'),
  ('00000000-0000-4000-8000-0000000000b1', '00000000-0000-4000-8000-00000000000b', 'Bob sales agent')
ON CONFLICT (id) DO NOTHING;

INSERT INTO public.webhooks (id, user_id, agent_id, url, events, secret) VALUES
  ('00000000-0000-4000-8000-0000000000a2', '00000000-0000-4000-8000-00000000000a',
   '00000000-0000-4000-8000-0000000000a1', 'https://example.com/webhook',
   ARRAY['call.started', 'call.ended', 'conversation.updated'],
   'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')
ON CONFLICT (id) DO NOTHING;

INSERT INTO public.ivr_menus (id, user_id, name, prompt, items, timeout, max_retries) VALUES
  ('00000000-0000-4000-8000-0000000000a3', '00000000-0000-4000-8000-00000000000a', 'Main Menu',
   'Press 1 for sales, 2 for support, 3 for billing',
   '[{"digit": "1", "label": "Sales", "action": "submenu", "target": "00000000-0000-4000-8000-0000000000a4"},
     {"digit": "2", "label": "Support", "action": "agent", "target": "support-queue"},
     {"digit": "3", "label": "Billing", "action": "transfer", "target": "+1234567890"}]',
   30000, 3)
ON CONFLICT (id) DO NOTHING;

INSERT INTO public.ivr_menus (id, user_id, name, prompt, items, parent_menu_id) VALUES
  ('00000000-0000-4000-8000-0000000000a4', '00000000-0000-4000-8000-00000000000a', 'Sales',
   'Press 1 for new orders, 2 for existing orders',
   '[{"digit": "1", "label": "New orders", "action": "agent", "target": "sales-new"},
     {"digit": "2", "label": "Existing orders", "action": "agent", "target": "sales-existing"}]',
   '00000000-0000-4000-8000-0000000000a3')
ON CONFLICT (id) DO NOTHING;
