-- Generated from packages/db/migrations/011_key_lookup_plans.sql by `pnpm supabase:sync`. Do not edit: edit the source.

-- The hot functions, webhook delivery (message ids, event ids, a user's webhooks, the due index) and API-key
-- verification (key hashes, a key's hour bucket), find rows by key only, so they run with sequential scans, hash
-- joins and merge joins off. PL/pgSQL caches a generic plan per connection: one made
-- while a table was empty or never analyzed (a fresh install, a pool opened before traffic, a truncated queue) costs
-- a full scan as cheaper than a few index lookups, and would then read the whole table on every claim, record,
-- enqueue or verification until the next autoanalyze invalidated it. With these off the same plans stay index lookups
-- at any size; no statement in these functions wants anything else.

ALTER FUNCTION public.vx_webhook_enqueue(uuid, uuid, text, text, text, timestamptz)
  SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off;
ALTER FUNCTION public.vx_webhook_enqueue_batch(uuid[], uuid[], text[], text[], text[], timestamptz[])
  SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off;
ALTER FUNCTION public.vx_webhook_claim(text, integer, timestamptz, integer)
  SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off;
ALTER FUNCTION public.vx_webhook_record(text, timestamptz, bigint, uuid[], integer[], integer[], text[], text[],
  text[], timestamptz[], text[])
  SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off;
ALTER FUNCTION public.vx_webhook_replay(uuid, uuid, timestamptz)
  SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off;
ALTER FUNCTION public.vx_webhook_message_attempts(uuid, uuid)
  SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off;
ALTER FUNCTION public.vx_lock_api_key_hashes(text[])
  SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off;
ALTER FUNCTION public.vx_verify_api_keys(text[], text[], integer[], timestamptz)
  SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off;
ALTER FUNCTION public.vx_verify_api_key(text, text[], integer, timestamptz)
  SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off;
ALTER FUNCTION public.vx_record_api_key_usage(uuid, integer, timestamptz)
  SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off;

