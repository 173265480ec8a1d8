// The SQL of the IVR adapters: one named, parameterised statement per operation.
const MENU_COLUMNS =
  "id, user_id, name, prompt, items, timeout, max_retries, invalid_prompt, timeout_prompt, parent_menu_id, " +
  "on_max_retries, operator, back_key, operator_key, inter_digit_timeout, created_at, updated_at";

const SESSION_COLUMNS =
  "id, session_id, user_id, current_menu_id, menu_stack, retry_count, status, end_reason, state, version, " +
  "start_time, last_activity, ended_at, created_at";

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

/** The menu first, then the same user's menus its submenu items name (migration 010, shared with Supabase). */
export const selectMenuWithSubmenus = `SELECT ${MENU_COLUMNS} FROM public.vx_ivr_menu_with_submenus($1)`;

export const insertSession = `
  INSERT INTO public.ivr_sessions
    (session_id, user_id, current_menu_id, menu_stack, retry_count, status, end_reason, state, start_time,
     last_activity, ended_at)
  VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8::jsonb, $9, $10, $11)
  RETURNING ${SESSION_COLUMNS}`;

export const selectSession = `SELECT ${SESSION_COLUMNS} FROM public.ivr_sessions WHERE session_id = $1`;

// A step's read and write and the idle sweep are migration 010's functions, the statements the Supabase
// adapter calls too: each exists once, in SQL. Each call is still one statement (one round trip).

/** {session, menus} as JSON, or NULL: the session, its stack's menus and the current menu's submenus. */
export const selectSessionContext = "SELECT public.vx_ivr_session_context($1) AS context";

/** Only the keys in $2 (jsonb) are set; with $3 (the version read) it is a compare-and-set. */
export const updateSession = `SELECT ${SESSION_COLUMNS} FROM public.vx_ivr_update_session($1, $2::jsonb, $3)`;

/** Ends live sessions silent past their current menu's timeout plus the grace ($2 ms). */
export const closeIdleSessions = `SELECT ${SESSION_COLUMNS} FROM public.vx_ivr_close_idle_sessions($1, $2)`;
