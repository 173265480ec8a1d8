// The SQL of the IVR adapters: one named, parameterised statement per operation.
const MENU_COLUMNS =
  "id, user_id, name, prompt, items, timeout, max_retries, invalid_prompt, timeout_prompt, parent_menu_id, " +
  "on_max_retries, operator, back_key, operator_key, inter_digit_timeout, created_at, updated_at";

const SESSION_COLUMNS =
  "id, session_id, user_id, current_menu_id, menu_stack, retry_count, status, end_reason, state, version, " +
  "start_time, last_activity, ended_at, created_at";

const prefixed = (alias: string, columns: string) =>
  columns
    .split(", ")
    .map((c) => `${alias}.${c}`)
    .join(", ");

/** `$n::uuid IS NULL OR user_id = $n`: the owner filter, in the same statement as the work. */
const owner = (n: number) => `($${n}::uuid IS NULL OR user_id = $${n}::uuid)`;

export const insertMenu = `
  INSERT INTO public.ivr_menus
    (id, user_id, name, prompt, items, timeout, max_retries, invalid_prompt, timeout_prompt, parent_menu_id,
     on_max_retries, operator, back_key, operator_key, inter_digit_timeout)
  VALUES (coalesce($1::uuid, gen_random_uuid()), $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10, $11::jsonb, $12::jsonb,
          $13, $14, $15)
  RETURNING ${MENU_COLUMNS}`;

export const selectMenusByUser = `
  SELECT ${MENU_COLUMNS} FROM public.ivr_menus WHERE user_id = $1 ORDER BY created_at, id`;

export const selectMenuById = `SELECT ${MENU_COLUMNS} FROM public.ivr_menus WHERE id = $1 AND ${owner(2)}`;

/** Each field has a "given" flag so one statement serves every combination of changes. */
export const updateMenu = `
  UPDATE public.ivr_menus SET
    name = CASE WHEN $3 THEN $4 ELSE name END,
    prompt = CASE WHEN $5 THEN $6 ELSE prompt END,
    items = CASE WHEN $7 THEN $8::jsonb ELSE items END,
    timeout = CASE WHEN $9 THEN $10::integer ELSE timeout END,
    max_retries = CASE WHEN $11 THEN $12::integer ELSE max_retries END,
    invalid_prompt = CASE WHEN $13 THEN $14 ELSE invalid_prompt END,
    timeout_prompt = CASE WHEN $15 THEN $16 ELSE timeout_prompt END,
    parent_menu_id = CASE WHEN $17 THEN $18::uuid ELSE parent_menu_id END,
    on_max_retries = CASE WHEN $19 THEN $20::jsonb ELSE on_max_retries END,
    operator = CASE WHEN $21 THEN $22::jsonb ELSE operator END,
    back_key = CASE WHEN $23 THEN $24 ELSE back_key END,
    operator_key = CASE WHEN $25 THEN $26 ELSE operator_key END,
    inter_digit_timeout = CASE WHEN $27 THEN $28::integer ELSE inter_digit_timeout END
  WHERE id = $1 AND ${owner(2)}
  RETURNING ${MENU_COLUMNS}`;

export const deleteMenu = `DELETE FROM public.ivr_menus WHERE id = $1 AND ${owner(2)}`;

/** The menu first, then the same user's menus its submenu items name. */
export const selectMenuWithSubmenus = `
  WITH entry AS (SELECT ${MENU_COLUMNS} FROM public.ivr_menus WHERE id = $1)
  SELECT ${MENU_COLUMNS}, 0 AS ord FROM entry
  UNION ALL
  SELECT ${prefixed("m", MENU_COLUMNS)}, 1 AS ord
    FROM public.ivr_menus m, entry
   WHERE m.user_id = entry.user_id AND m.id <> entry.id
     AND m.id::text IN (SELECT i ->> 'target' FROM jsonb_array_elements(entry.items) i WHERE i ->> 'action' = 'submenu')
  ORDER BY ord`;

export const insertSession = `
  INSERT INTO public.ivr_sessions
    (session_id, user_id, current_menu_id, menu_stack, retry_count, status, end_reason, state, start_time,
     last_activity, ended_at)
  VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8::jsonb, $9, $10, $11)
  RETURNING ${SESSION_COLUMNS}`;

export const selectSession = `SELECT ${SESSION_COLUMNS} FROM public.ivr_sessions WHERE session_id = $1`;

/**
 * One step's write. With $18 (the version read) it is a compare-and-set: a racing step that wrote first makes
 * this one match no row. The current menu is re-checked in the statement, so a menu deleted since the read
 * becomes NULL (as its foreign key would) instead of failing the write.
 */
export const updateSession = `
  UPDATE public.ivr_sessions AS s SET
    current_menu_id = CASE WHEN $2 THEN
      (SELECT m.id FROM public.ivr_menus m WHERE m.id = $3::uuid AND m.user_id = s.user_id) ELSE s.current_menu_id END,
    menu_stack = CASE WHEN $4 THEN $5::jsonb ELSE s.menu_stack END,
    retry_count = CASE WHEN $6 THEN $7::integer ELSE s.retry_count END,
    status = CASE WHEN $8 THEN $9::text ELSE s.status END,
    end_reason = CASE WHEN $10 THEN $11::text ELSE s.end_reason END,
    state = CASE WHEN $12 THEN $13::jsonb ELSE s.state END,
    last_activity = CASE WHEN $14 THEN $15::timestamptz ELSE s.last_activity END,
    ended_at = CASE WHEN $16 THEN $17::timestamptz ELSE s.ended_at END,
    version = s.version + 1
  WHERE s.session_id = $1 AND ($18::integer IS NULL OR s.version = $18::integer)
  RETURNING ${prefixed("s", SESSION_COLUMNS)}`;

/**
 * A step's one read: the session, its stack's menus and the current menu's submenus. The menus come as one
 * `json` value (built as text, cheaper than jsonb here) rather than extra rows, so the session is read once.
 */
export const selectSessionContext = `
  SELECT ${prefixed("s", SESSION_COLUMNS)},
    (SELECT coalesce(json_agg(m), '[]'::json)
       FROM public.ivr_menus m
      WHERE m.user_id = s.user_id
        AND (s.menu_stack ? m.id::text
             OR m.id::text IN (SELECT i ->> 'target'
                                 FROM public.ivr_menus c, jsonb_array_elements(c.items) i
                                WHERE c.id = s.current_menu_id AND i ->> 'action' = 'submenu'))) AS menus
  FROM public.ivr_sessions s
  WHERE s.session_id = $1`;

/**
 * Ends live sessions silent past their current menu's timeout plus the grace ($2 ms). The plain
 * "older than the grace" bound lets the partial index on live sessions narrow the scan first.
 */
export const closeIdleSessions = `
  UPDATE public.ivr_sessions AS s
     SET status = 'timeout', end_reason = 'idle', ended_at = $1, version = s.version + 1
    FROM (SELECT i.id
            FROM public.ivr_sessions i
            LEFT JOIN public.ivr_menus m ON m.id = i.current_menu_id
           WHERE i.ended_at IS NULL
             AND i.last_activity < $1::timestamptz - make_interval(secs => $2::double precision / 1000)
             AND i.last_activity < $1::timestamptz - make_interval(secs => (coalesce(m.timeout, 0) + $2::double precision) / 1000)
           FOR UPDATE OF i SKIP LOCKED) idle
   WHERE s.id = idle.id
  RETURNING ${prefixed("s", SESSION_COLUMNS)}`;
