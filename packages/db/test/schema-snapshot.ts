// A text snapshot of everything migrations create, for comparing two schemas.
import type { Queryable } from "@vx/db";

const SCHEMAS = "('public', 'auth')";

/** Everything a migration can create, read from the catalog, as sorted text lines. */
export async function schemaSnapshot(db: Queryable): Promise<string[]> {
  const queries = [
    `SELECT format('column %s.%s.%s %s null=%s default=%s', table_schema, table_name, column_name,
            data_type, is_nullable, column_default)
       FROM information_schema.columns WHERE table_schema IN ${SCHEMAS}`,
    `SELECT format('constraint %s.%s %s', n.nspname, c.conname, pg_get_constraintdef(c.oid))
       FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname IN ${SCHEMAS}`,
    `SELECT format('index %s', indexdef) FROM pg_indexes WHERE schemaname IN ${SCHEMAS}`,
    `SELECT format('policy %s.%s %s %s %s %s', tablename, policyname, cmd, roles, qual, with_check)
       FROM pg_policies WHERE schemaname IN ${SCHEMAS}`,
    `SELECT format('trigger %s', pg_get_triggerdef(t.oid)) FROM pg_trigger t
       JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE NOT t.tgisinternal AND n.nspname IN ${SCHEMAS}`,
    `SELECT format('function %s', pg_get_functiondef(p.oid)) FROM pg_proc p
       JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname IN ${SCHEMAS} AND p.prokind IN ('f', 'p')`,
    `SELECT format('grant %s %s.%s %s', grantee, table_schema, table_name, privilege_type)
       FROM information_schema.role_table_grants WHERE table_schema IN ${SCHEMAS}`,
    `SELECT format('column grant %s %s.%s %s', grantee, table_name, column_name, privilege_type)
       FROM information_schema.column_privileges WHERE table_schema IN ${SCHEMAS} AND grantee <> 'postgres'`,
    `SELECT format('rls %s %s', relname, relrowsecurity) FROM pg_class
      WHERE relnamespace IN (SELECT oid FROM pg_namespace WHERE nspname IN ${SCHEMAS}) AND relkind = 'r'`,
  ];
  const lines: string[] = [];
  for (const sql of queries) {
    const { rows } = await db.query<{ format: string }>(sql);
    lines.push(...rows.map((r) => r.format));
  }
  return lines.sort();
}
