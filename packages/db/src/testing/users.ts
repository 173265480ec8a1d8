/** Creates rows in auth.users, as Supabase Auth would on sign-up. */
import type { Queryable } from "../queryable.js";

export async function createUser(db: Queryable, email?: string): Promise<string> {
  const { rows } = await db.query<{ id: string }>("INSERT INTO auth.users (email) VALUES ($1) RETURNING id", [
    email ?? null,
  ]);
  return rows[0]!.id;
}
