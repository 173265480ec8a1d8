/** Makes sure a verified JWT's user exists in auth.users on plain Postgres/PGlite, where no Supabase Auth creates it. */
import type { Queryable } from "@vx/db";

const MAX_REMEMBERED = 10_000;

/**
 * Returns `ensure(userId)`. On our bootstrap schema (`auth` commented 'vx bootstrap') it inserts the id once so
 * foreign keys to auth.users hold; on real Supabase it never writes, because Supabase Auth owns that table.
 */
export function createAuthUserSync(db: Queryable): (userId: string) => Promise<void> {
  let bootstrap: Promise<boolean> | undefined;
  const known = new Set<string>();

  const isBootstrap = async () => {
    const { rows } = await db.query<{ bootstrap: boolean | null }>(
      "SELECT obj_description('auth'::regnamespace, 'pg_namespace') = 'vx bootstrap' AS bootstrap",
    );
    return rows[0]?.bootstrap === true;
  };

  return async (userId) => {
    if (known.has(userId)) return;
    bootstrap ??= isBootstrap().catch((error) => {
      bootstrap = undefined; // ask again next time rather than remember a failed probe
      throw error;
    });
    if (await bootstrap) {
      await db.query("INSERT INTO auth.users (id) VALUES ($1) ON CONFLICT DO NOTHING", [userId]);
    }
    // A bounded memory: forgetting only costs one idempotent insert.
    if (known.size >= MAX_REMEMBERED) known.clear();
    known.add(userId);
  };
}
