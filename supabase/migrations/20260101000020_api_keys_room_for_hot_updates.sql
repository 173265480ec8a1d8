-- Generated from packages/db/migrations/020_api_keys_room_for_hot_updates.sql by `pnpm supabase:sync`. Do not edit: edit the source.

-- Room on each page for a verification's update of a key or identity row to stay on its page (a HOT update: no new
-- index entries). Every counted verification writes a new version of the key's row; a key with named limits and
-- credits is about 720 bytes (its limits and GCRA state as jsonb), three times a plain key. With the default
-- fillfactor (100), pages are pruned only once less than a tenth of them is free, and 44 % of the updates of such
-- keys found no room on their page: each then added an entry to all six indexes of api_keys, and the update cost
-- 25–50 µs a row instead of 17–20 (measured: 25-key batches, 400 transactions). At 70, pages keep 30 % free for new
-- versions and are pruned before they fill: every update stayed HOT. Existing pages get the room as updates move
-- rows to pages that have it, so no rewrite is needed (VACUUM FULL would do it at once). Identities are updated
-- the same way.

ALTER TABLE public.api_keys SET (fillfactor = 70);
ALTER TABLE public.api_key_identities SET (fillfactor = 70);

