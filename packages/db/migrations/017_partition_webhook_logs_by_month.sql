-- webhook_logs partitioned by month (native declarative partitioning), so retention drops whole months instead of
-- deleting rows one by one (the specification's "partition large tables by date").
--
-- * The table keeps its name, columns, checks, foreign key (named as before: the adapters map it to a 404),
--   indexes (named as before, now partitioned), row level security, policies and grants: all copied from the
--   catalog, so whatever earlier migrations added to it comes along.
-- * Deviation from the specification, forced by Postgres: a partitioned table's primary key must contain the
--   partition key, so the key is (id, created_at) instead of (id). Ids stay unique by construction (random, or
--   derived from message and attempt under the message's row lock); the delivery functions' `ON CONFLICT (id)`
--   becomes `ON CONFLICT (id, created_at)`.
-- * The partitions live in schema vx_partitions, which neither PostgREST nor the user roles can reach: rows are
--   read through public.webhook_logs and its policies only, and the catalog walks (vx_user_tables, Supabase's
--   advisors) see one table.
-- * The existing table is not copied: it becomes the first partition (everything before next month), attached in
--   place. On a large table, create its unique (id, created_at) index CONCURRENTLY and validate the check
--   constraint below before this migration runs, and the attach needs neither a rebuild nor a scan under lock
--   (docs/scaling.md, "webhook_logs partitioned by month").
-- * Months ahead are created here and by the worker's hourly retention pass (vx_create_month_partitions); a row
--   past the last month (a clock far ahead) lands in the default partition, and moves into its month's partition
--   when that is created.
-- * Retention (vx_delete_expired_batch) drops expired months whole: a log is kept at least the retention period
--   and at most one month longer. The partition of everything before the first month is trimmed row by row as
--   before, until it has expired whole and is dropped too.
-- * Functions returning the table's row type (vx_webhook_logs, …) are recreated against the new table, with
--   their settings, grants and comments.

-- Up Migration
CREATE SCHEMA vx_partitions;
REVOKE ALL ON SCHEMA vx_partitions FROM PUBLIC;
COMMENT ON SCHEMA vx_partitions IS 'Monthly partitions of partitioned tables: read them through their public parent.';

-- The statements that give a table named public.<p_table> what public.<p_table> has now besides its columns,
-- checks and primary key: foreign keys, other indexes, triggers, row level security, policies, grants, comment. Run while
-- the table still has that name, so expressions print with it.
CREATE FUNCTION public.vx_table_dependents_ddl(p_table text) RETURNS text[]
LANGUAGE plpgsql STABLE SET search_path = '' AS $$
DECLARE
  v_rel oid := format('public.%I', p_table)::regclass;
  v_target text := format('public.%I', p_table);
  v_ddl text[] := '{}';
  v_row record;
BEGIN
  FOR v_row IN
    SELECT conname, pg_catalog.pg_get_constraintdef(oid) AS def FROM pg_catalog.pg_constraint
    WHERE conrelid = v_rel AND contype = 'f' ORDER BY conname
  LOOP
    v_ddl := v_ddl || format('ALTER TABLE %s ADD CONSTRAINT %I %s', v_target, v_row.conname, v_row.def);
  END LOOP;
  FOR v_row IN
    SELECT pg_catalog.pg_get_indexdef(i.indexrelid) AS def FROM pg_catalog.pg_index i
    JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
    WHERE i.indrelid = v_rel AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.conindid = i.indexrelid)
    ORDER BY c.relname
  LOOP
    v_ddl := v_ddl || v_row.def;
  END LOOP;
  FOR v_row IN
    SELECT pg_catalog.pg_get_triggerdef(t.oid) AS def FROM pg_catalog.pg_trigger t
    WHERE t.tgrelid = v_rel AND NOT t.tgisinternal AND t.tgparentid = 0 ORDER BY t.tgname
  LOOP
    v_ddl := v_ddl || v_row.def;
  END LOOP;
  SELECT CASE WHEN relrowsecurity THEN v_ddl || format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', v_target)
    ELSE v_ddl END INTO v_ddl FROM pg_catalog.pg_class WHERE oid = v_rel;
  SELECT CASE WHEN relforcerowsecurity THEN v_ddl || format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', v_target)
    ELSE v_ddl END INTO v_ddl FROM pg_catalog.pg_class WHERE oid = v_rel;
  FOR v_row IN
    SELECT policyname, permissive, cmd, roles, qual, with_check FROM pg_catalog.pg_policies
    WHERE schemaname = 'public' AND tablename = p_table ORDER BY policyname
  LOOP
    v_ddl := v_ddl || format('CREATE POLICY %I ON %s AS %s FOR %s TO %s%s%s', v_row.policyname, v_target,
      v_row.permissive, v_row.cmd,
      (SELECT string_agg(CASE r WHEN 'public' THEN 'PUBLIC' ELSE quote_ident(r) END, ', ') FROM unnest(v_row.roles) r),
      CASE WHEN v_row.qual IS NOT NULL THEN format(' USING (%s)', v_row.qual) END,
      CASE WHEN v_row.with_check IS NOT NULL THEN format(' WITH CHECK (%s)', v_row.with_check) END);
  END LOOP;
  FOR v_row IN
    SELECT a.privilege_type, a.grantee, a.is_grantable FROM pg_catalog.pg_class c,
      LATERAL pg_catalog.aclexplode(c.relacl) a
    WHERE c.oid = v_rel AND a.grantee <> c.relowner
  LOOP
    v_ddl := v_ddl || format('GRANT %s ON %s TO %s%s', v_row.privilege_type, v_target,
      CASE v_row.grantee WHEN 0 THEN 'PUBLIC' ELSE quote_ident(v_row.grantee::regrole::text) END,
      CASE WHEN v_row.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
  END LOOP;
  FOR v_row IN
    SELECT t.attname, a.privilege_type, a.grantee FROM pg_catalog.pg_attribute t,
      LATERAL pg_catalog.aclexplode(t.attacl) a
    WHERE t.attrelid = v_rel AND t.attacl IS NOT NULL
  LOOP
    v_ddl := v_ddl || format('GRANT %s (%I) ON %s TO %s', v_row.privilege_type, v_row.attname, v_target,
      CASE v_row.grantee WHEN 0 THEN 'PUBLIC' ELSE quote_ident(v_row.grantee::regrole::text) END);
  END LOOP;
  IF pg_catalog.obj_description(v_rel, 'pg_class') IS NOT NULL THEN
    v_ddl := v_ddl || format('COMMENT ON TABLE %s IS %L', v_target, pg_catalog.obj_description(v_rel, 'pg_class'));
  END IF;
  RETURN v_ddl;
END
$$;

-- The statements that recreate every public function whose result or arguments are public.<p_table>'s row type
-- (RETURNS SETOF public.webhook_logs, …), with its settings, grants and comment: run after a new table took the
-- name, they bind the functions to it. Made while the old table still has the name.
CREATE FUNCTION public.vx_row_type_functions_ddl(p_table text) RETURNS text[]
LANGUAGE plpgsql STABLE SET search_path = '' AS $$
DECLARE
  v_type oid := (SELECT reltype FROM pg_catalog.pg_class WHERE oid = format('public.%I', p_table)::regclass);
  v_ddl text[] := '{}';
  v_fn record;
  v_grant record;
BEGIN
  FOR v_fn IN
    SELECT p.oid, format('public.%I(%s)', p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)) AS sig,
      p.proacl, p.proowner
    FROM pg_catalog.pg_proc p
    WHERE p.pronamespace = 'public'::regnamespace
      AND (p.prorettype = v_type OR v_type = ANY (p.proargtypes) OR v_type = ANY (coalesce(p.proallargtypes, '{}')))
    ORDER BY p.proname, p.oid
  LOOP
    v_ddl := v_ddl || format('DROP FUNCTION %s', v_fn.sig) || pg_catalog.pg_get_functiondef(v_fn.oid);
    IF v_fn.proacl IS NOT NULL THEN
      v_ddl := v_ddl || format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', v_fn.sig);
      FOR v_grant IN
        SELECT a.grantee FROM pg_catalog.aclexplode(v_fn.proacl) a
        WHERE a.privilege_type = 'EXECUTE' AND a.grantee <> v_fn.proowner
      LOOP
        v_ddl := v_ddl || format('GRANT EXECUTE ON FUNCTION %s TO %s', v_fn.sig,
          CASE v_grant.grantee WHEN 0 THEN 'PUBLIC' ELSE quote_ident(v_grant.grantee::regrole::text) END);
      END LOOP;
    END IF;
    IF pg_catalog.obj_description(v_fn.oid, 'pg_proc') IS NOT NULL THEN
      v_ddl := v_ddl || format('COMMENT ON FUNCTION %s IS %L', v_fn.sig, pg_catalog.obj_description(v_fn.oid, 'pg_proc'));
    END IF;
  END LOOP;
  RETURN v_ddl;
END
$$;

-- Rewrites `p_from` to `p_to` in every public function whose body inserts into public.<p_table> (the delivery
-- functions' conflict targets), whichever migration defined them last.
CREATE FUNCTION public.vx_rewrite_table_inserts(p_table text, p_from text, p_to text) RETURNS integer
LANGUAGE plpgsql VOLATILE SET search_path = '' AS $$
DECLARE
  v_fn record;
  v_count integer := 0;
BEGIN
  FOR v_fn IN
    SELECT p.oid FROM pg_catalog.pg_proc p
    WHERE p.pronamespace = 'public'::regnamespace AND p.prosrc LIKE '%INSERT INTO public.' || p_table || '%'
      AND strpos(p.prosrc, p_from) > 0
  LOOP
    EXECUTE replace(pg_catalog.pg_get_functiondef(v_fn.oid), p_from, p_to);
    v_count := v_count + 1;
  END LOOP;
  RETURN v_count;
END
$$;

-- The exclusive upper bound of a range partition, from its bound expression; NULL for the default partition.
CREATE FUNCTION public.vx_partition_upper_bound(p_partition regclass) RETURNS timestamptz
LANGUAGE sql STABLE SET search_path = '' AS $$
  SELECT (regexp_match(pg_catalog.pg_get_expr(c.relpartbound, c.oid), 'TO \(''([^'']+)''\)'))[1]::timestamptz
  FROM pg_catalog.pg_class c WHERE c.oid = p_partition
$$;

-- Creates the monthly partitions of public.<p_table> (partitioned by created_at) from the last one's end through
-- the month holding p_through, UTC months, named vx_partitions.<table>_YYYY_MM. Rows the default partition holds
-- for a new month move into it. Returns how many were created. The worker calls it every hour with three months'
-- lead; concurrent callers wait on the table's lock, then find the months made.
CREATE FUNCTION public.vx_create_month_partitions(p_table text, p_through timestamptz) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  v_parent regclass := format('public.%I', p_table)::regclass;
  v_default text := format('vx_partitions.%I', p_table || '_default');
  v_from timestamptz;
  v_to timestamptz;
  v_partition text;
  v_count integer := 0;
BEGIN
  SELECT max(public.vx_partition_upper_bound(i.inhrelid)) INTO v_from
  FROM pg_catalog.pg_inherits i WHERE i.inhparent = v_parent;
  IF v_from > p_through THEN
    RETURN 0; -- the hourly call's usual case: nothing to make, no lock taken
  END IF;
  EXECUTE format('LOCK TABLE %s IN SHARE UPDATE EXCLUSIVE MODE', v_parent);
  SELECT max(public.vx_partition_upper_bound(i.inhrelid)) INTO v_from
  FROM pg_catalog.pg_inherits i WHERE i.inhparent = v_parent;
  v_from := coalesce(v_from, date_trunc('month', p_through AT TIME ZONE 'UTC') AT TIME ZONE 'UTC');
  -- At most three years per call: a clock far ahead (a test's, a typo) must not make hundreds of tables at once.
  WHILE v_from <= p_through AND v_count < 36 LOOP
    -- Months in UTC whatever the session's time zone: calendar arithmetic on UTC wall-clock time.
    v_to := (date_trunc('month', v_from AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC';
    v_partition := format('vx_partitions.%I', p_table || '_' || to_char(v_from AT TIME ZONE 'UTC', 'YYYY_MM'));
    EXECUTE format('CREATE TABLE %s (LIKE %s INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', v_partition, v_parent);
    IF to_regclass(v_default) IS NOT NULL THEN
      EXECUTE format('WITH moved AS (DELETE FROM %s WHERE created_at >= $1 AND created_at < $2 RETURNING *) '
        'INSERT INTO %s SELECT * FROM moved', v_default, v_partition) USING v_from, v_to;
    END IF;
    EXECUTE format('ALTER TABLE %s ATTACH PARTITION %s FOR VALUES FROM (%L) TO (%L)', v_parent, v_partition,
      v_from, v_to);
    v_count := v_count + 1;
    v_from := v_to;
  END LOOP;
  RETURN v_count;
END
$$;

-- Drops the oldest monthly partition of public.<p_table> that ends at or before p_cutoff, if any: retention by
-- whole months. Returns the rows it held, or NULL when no partition had expired. Gives up after 2 s waiting for
-- the table's lock rather than queueing live traffic behind it; the next pass tries again.
CREATE FUNCTION public.vx_drop_expired_partition(p_table text, p_cutoff timestamptz) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  v_partition regclass;
  v_rows bigint;
BEGIN
  SELECT i.inhrelid::regclass INTO v_partition
  FROM pg_catalog.pg_inherits i
  WHERE i.inhparent = format('public.%I', p_table)::regclass
    AND public.vx_partition_upper_bound(i.inhrelid) <= p_cutoff
  ORDER BY public.vx_partition_upper_bound(i.inhrelid)
  LIMIT 1;
  IF v_partition IS NULL THEN
    RETURN NULL;
  END IF;
  PERFORM set_config('lock_timeout', '2s', true);
  EXECUTE format('SELECT count(*) FROM %s', v_partition) INTO v_rows;
  EXECUTE format('ALTER TABLE public.%I DETACH PARTITION %s', p_table, v_partition);
  EXECUTE format('DROP TABLE %s', v_partition);
  RETURN v_rows;
END
$$;

-- Retention batches (see 010), partition-aware. A partitioned target loses its expired months whole, every one
-- a call finds (each a short catalog change; the count returned includes their rows): rows of monthly partitions are kept at least the retention period and at most a month longer. Only the
-- partition of everything before the first month (the table as it was before partitioning) is trimmed row by row,
-- as before, until its own bound expires and it is dropped whole too. Through the parent, so the service role
-- (Supabase) needs no access to vx_partitions.
CREATE OR REPLACE FUNCTION public.vx_delete_expired_batch(p_target text, p_cutoff timestamptz, p_limit integer)
RETURNS integer
LANGUAGE plpgsql VOLATILE SET search_path = '' AS $$
DECLARE
  v_column text := CASE p_target
    WHEN 'audit_logs' THEN 'created_at' WHEN 'webhook_logs' THEN 'created_at' WHEN 'ivr_sessions' THEN 'ended_at' END;
  v_cutoff timestamptz := p_cutoff;
  v_dropped bigint;
  v_total bigint := 0;
  v_count integer;
BEGIN
  IF v_column IS NULL THEN
    RAISE EXCEPTION 'unknown retention target: %', p_target USING ERRCODE = '22023';
  END IF;
  IF (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = format('public.%I', p_target)::regclass) = 'p' THEN
    LOOP
      v_dropped := public.vx_drop_expired_partition(p_target, p_cutoff);
      EXIT WHEN v_dropped IS NULL;
      v_total := v_total + v_dropped;
    END LOOP;
    SELECT least(p_cutoff, public.vx_partition_upper_bound(i.inhrelid)) INTO v_cutoff
    FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = format('public.%I', p_target)::regclass
      AND pg_catalog.pg_get_expr(c.relpartbound, c.oid) LIKE 'FOR VALUES FROM (MINVALUE)%';
    IF v_cutoff IS NULL THEN
      RETURN least(v_total, 2147483647)::integer;
    END IF;
  END IF;
  EXECUTE format(
    'DELETE FROM public.%1$I WHERE (id, %2$I) IN '
    '(SELECT id, %2$I FROM public.%1$I WHERE %2$I < $1 ORDER BY %2$I LIMIT $2 FOR UPDATE SKIP LOCKED)',
    p_target, v_column) USING v_cutoff, p_limit;
  GET DIAGNOSTICS v_count = ROW_COUNT;
  RETURN least(v_total + v_count, 2147483647)::integer;
END
$$;

-- What vx_delete_expired_batch would delete, as JSON rows, one keyset page at a time (ordered by the retention
-- column, then id): `vx archive` writes them out before retention drops them. The same rules: expired months
-- whole, the partition before the first month up to the cutoff, a plain table up to the cutoff.
CREATE FUNCTION public.vx_expired_rows(
  p_target text, p_cutoff timestamptz, p_after_at timestamptz, p_after_id uuid, p_limit integer
) RETURNS TABLE (row_json jsonb, at timestamptz, id uuid)
LANGUAGE plpgsql STABLE SET search_path = '' AS $$
DECLARE
  v_column text := CASE p_target
    WHEN 'audit_logs' THEN 'created_at' WHEN 'webhook_logs' THEN 'created_at' WHEN 'ivr_sessions' THEN 'ended_at' END;
  v_parent regclass;
  v_whole oid[] := '{}';
  v_cutoff timestamptz := p_cutoff;
BEGIN
  IF v_column IS NULL THEN
    RAISE EXCEPTION 'unknown retention target: %', p_target USING ERRCODE = '22023';
  END IF;
  v_parent := format('public.%I', p_target)::regclass;
  IF (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = v_parent) = 'p' THEN
    SELECT coalesce(array_agg(i.inhrelid), '{}') INTO v_whole FROM pg_catalog.pg_inherits i
    WHERE i.inhparent = v_parent AND public.vx_partition_upper_bound(i.inhrelid) <= p_cutoff;
    SELECT least(p_cutoff, public.vx_partition_upper_bound(i.inhrelid)) INTO v_cutoff
    FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = v_parent AND pg_catalog.pg_get_expr(c.relpartbound, c.oid) LIKE 'FOR VALUES FROM (MINVALUE)%';
  END IF;
  RETURN QUERY EXECUTE format(
    'SELECT to_jsonb(t), t.%1$I, t.id FROM %2$s t '
    'WHERE (t.tableoid = ANY ($1) OR t.%1$I < $2) AND ($3 IS NULL OR (t.%1$I, t.id) > ($3, $4)) '
    'ORDER BY t.%1$I, t.id LIMIT $5', v_column, v_parent)
  USING v_whole, v_cutoff, p_after_at, p_after_id, p_limit;
END
$$;

REVOKE ALL ON FUNCTION public.vx_table_dependents_ddl(text), public.vx_row_type_functions_ddl(text),
  public.vx_rewrite_table_inserts(text, text, text), public.vx_partition_upper_bound(regclass),
  public.vx_create_month_partitions(text, timestamptz), public.vx_drop_expired_partition(text, timestamptz),
  public.vx_expired_rows(text, timestamptz, timestamptz, uuid, integer)
  FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.vx_create_month_partitions(text, timestamptz),
  public.vx_drop_expired_partition(text, timestamptz), public.vx_partition_upper_bound(regclass) TO service_role;

DO $$
DECLARE
  v_search_path text := current_setting('search_path');
  v_next_month timestamptz := (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC';
  v_legacy text := 'webhook_logs_before_' || to_char(v_next_month AT TIME ZONE 'UTC', 'YYYY_MM');
  v_dependents text[];
  v_functions text[];
  v_statement text;
BEGIN
  -- Catalog text printed schema-qualified, so it means the same when run again below.
  PERFORM set_config('search_path', '', true);
  -- A view over the table would silently keep reading the old one, now only its first partition: refuse.
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid
             WHERE d.refobjid = 'public.webhook_logs'::regclass AND r.ev_class <> 'public.webhook_logs'::regclass) THEN
    RAISE EXCEPTION 'a view depends on public.webhook_logs: drop it before this migration and recreate it after';
  END IF;
  -- The old table becomes the partition of everything before next month. Its unique (id, created_at) index and
  -- the check of its bound are made here unless made beforehand (online, for a large table: docs/scaling.md).
  IF to_regclass('public.webhook_logs_id_created_at_key') IS NULL THEN
    CREATE UNIQUE INDEX webhook_logs_id_created_at_key ON public.webhook_logs (id, created_at);
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint WHERE conrelid = 'public.webhook_logs'::regclass
                 AND conname = 'webhook_logs_created_at_partition_bound') THEN
    EXECUTE format('ALTER TABLE public.webhook_logs ADD CONSTRAINT webhook_logs_created_at_partition_bound '
      'CHECK (created_at < %L)', v_next_month);
  ELSE
    ALTER TABLE public.webhook_logs VALIDATE CONSTRAINT webhook_logs_created_at_partition_bound;
  END IF;
  -- A partition's primary key is the parent's: the old key on id alone goes, the unique index becomes the key
  -- (a catalog change: the columns are NOT NULL already), and the attach below adopts it without a rebuild.
  EXECUTE (SELECT format('ALTER TABLE public.webhook_logs DROP CONSTRAINT %I', conname) FROM pg_catalog.pg_constraint
           WHERE conrelid = 'public.webhook_logs'::regclass AND contype = 'p');
  ALTER TABLE public.webhook_logs ADD CONSTRAINT webhook_logs_id_created_at_key
    PRIMARY KEY USING INDEX webhook_logs_id_created_at_key;
  -- Captured after the key moved to (id, created_at), so that index is not copied as a second one.
  v_dependents := public.vx_table_dependents_ddl('webhook_logs');
  v_functions := public.vx_row_type_functions_ddl('webhook_logs');

  -- The new table: the old one's columns, defaults and checks (names kept), partitioned by month.
  CREATE TABLE public.webhook_logs_partitioned (
    LIKE public.webhook_logs INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED INCLUDING IDENTITY
      INCLUDING STORAGE INCLUDING COMPRESSION INCLUDING COMMENTS
  ) PARTITION BY RANGE (created_at);
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_constraint WHERE conrelid = 'public.webhook_logs_partitioned'::regclass
             AND conname = 'webhook_logs_created_at_partition_bound') THEN
    ALTER TABLE public.webhook_logs_partitioned DROP CONSTRAINT webhook_logs_created_at_partition_bound;
  END IF;

  -- Its triggers move to the new table (which clones them onto every partition, this one included).
  EXECUTE coalesce((SELECT string_agg(format('DROP TRIGGER %I ON public.webhook_logs', tgname), '; ')
                     FROM pg_catalog.pg_trigger WHERE tgrelid = 'public.webhook_logs'::regclass AND NOT tgisinternal),
                    'SELECT');
  ALTER TABLE public.webhook_logs SET SCHEMA vx_partitions;
  EXECUTE format('ALTER TABLE vx_partitions.webhook_logs RENAME TO %I', v_legacy);
  ALTER TABLE public.webhook_logs_partitioned RENAME TO webhook_logs;
  ALTER TABLE public.webhook_logs ADD CONSTRAINT webhook_logs_pkey PRIMARY KEY (id, created_at);
  FOREACH v_statement IN ARRAY v_dependents LOOP
    EXECUTE v_statement;
  END LOOP;

  -- Attached in place: the indexes, foreign key and checks it has already match the new table's.
  EXECUTE format('ALTER TABLE public.webhook_logs ATTACH PARTITION vx_partitions.%I FOR VALUES FROM (MINVALUE) TO (%L)',
    v_legacy, v_next_month);
  CREATE TABLE vx_partitions.webhook_logs_default PARTITION OF public.webhook_logs DEFAULT;
  PERFORM public.vx_create_month_partitions('webhook_logs', now() + interval '3 months');

  FOREACH v_statement IN ARRAY v_functions LOOP
    EXECUTE v_statement;
  END LOOP;
  PERFORM public.vx_rewrite_table_inserts('webhook_logs', 'ON CONFLICT (id) DO NOTHING',
    'ON CONFLICT (id, created_at) DO NOTHING');
  PERFORM set_config('search_path', v_search_path, true);
END
$$;

-- Down Migration
-- Back to one plain table with the primary key (id): every row copied into it, the rest as above in reverse.
DO $$
DECLARE
  v_search_path text := current_setting('search_path');
  v_dependents text[];
  v_functions text[];
  v_statement text;
BEGIN
  PERFORM set_config('search_path', '', true);
  v_dependents := public.vx_table_dependents_ddl('webhook_logs');
  v_functions := public.vx_row_type_functions_ddl('webhook_logs');
  PERFORM public.vx_rewrite_table_inserts('webhook_logs', 'ON CONFLICT (id, created_at) DO NOTHING',
    'ON CONFLICT (id) DO NOTHING');

  ALTER TABLE public.webhook_logs RENAME TO webhook_logs_partitioned;
  ALTER TABLE public.webhook_logs_partitioned RENAME CONSTRAINT webhook_logs_pkey TO webhook_logs_partitioned_pkey;
  CREATE TABLE public.webhook_logs (
    LIKE public.webhook_logs_partitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED
      INCLUDING IDENTITY INCLUDING STORAGE INCLUDING COMPRESSION INCLUDING COMMENTS
  );
  ALTER TABLE public.webhook_logs ADD CONSTRAINT webhook_logs_pkey PRIMARY KEY (id);
  INSERT INTO public.webhook_logs SELECT * FROM public.webhook_logs_partitioned;
  FOREACH v_statement IN ARRAY v_functions LOOP
    EXECUTE v_statement;
  END LOOP;
  DROP TABLE public.webhook_logs_partitioned;
  FOREACH v_statement IN ARRAY v_dependents LOOP
    EXECUTE v_statement;
  END LOOP;
  PERFORM set_config('search_path', v_search_path, true);
END
$$;

CREATE OR REPLACE FUNCTION public.vx_delete_expired_batch(p_target text, p_cutoff timestamptz, p_limit integer) RETURNS integer
LANGUAGE plpgsql VOLATILE SET search_path = '' AS $$
DECLARE
  v_column text := CASE p_target
    WHEN 'audit_logs' THEN 'created_at' WHEN 'webhook_logs' THEN 'created_at' WHEN 'ivr_sessions' THEN 'ended_at' END;
  v_count integer;
BEGIN
  IF v_column IS NULL THEN
    RAISE EXCEPTION 'unknown retention target: %', p_target USING ERRCODE = '22023';
  END IF;
  EXECUTE format(
    'DELETE FROM public.%1$I WHERE id IN (SELECT id FROM public.%1$I WHERE %2$I < $1 ORDER BY %2$I LIMIT $2 FOR UPDATE SKIP LOCKED)',
    p_target, v_column) USING p_cutoff, p_limit;
  GET DIAGNOSTICS v_count = ROW_COUNT;
  RETURN v_count;
END
$$;

DROP FUNCTION public.vx_expired_rows(text, timestamptz, timestamptz, uuid, integer);
DROP FUNCTION public.vx_drop_expired_partition(text, timestamptz);
DROP FUNCTION public.vx_create_month_partitions(text, timestamptz);
DROP FUNCTION public.vx_partition_upper_bound(regclass);
DROP FUNCTION public.vx_rewrite_table_inserts(text, text, text);
DROP FUNCTION public.vx_row_type_functions_ddl(text);
DROP FUNCTION public.vx_table_dependents_ddl(text);
DROP SCHEMA vx_partitions;
