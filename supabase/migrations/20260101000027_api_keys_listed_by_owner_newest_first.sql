-- Generated from packages/db/migrations/027_api_keys_listed_by_owner_newest_first.sql by `pnpm supabase:sync`. Do not edit: edit the source.

-- A user's keys are listed a page at a time, newest first (listApiKeysPage, GET /v1/api-keys): a keyset on
-- (created_at, id) after the previous page's last key. With only idx_api_keys_user_id, every page read all of the
-- owner's keys and sorted them, so an owner with a key per customer (100,000 keys) paid for all of them on every
-- page. This index hands a page its rows in order from where the previous one ended (scanned backward for
-- newest first). idx_api_keys_user_id stays: the specification names it.
--
-- A verification never changes user_id, created_at or id, so its updates of a key stay HOT.

CREATE INDEX idx_api_keys_user_id_created_at ON public.api_keys (user_id, created_at, id);

