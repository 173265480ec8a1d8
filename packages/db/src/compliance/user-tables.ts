// Which tables hold a user's rows, found in the catalog: tables added by later migrations are covered by
// export and erasure without anyone remembering to list them.
import { SENSITIVE_COLUMN } from "@vx/compliance";
import type { Queryable } from "../queryable.js";
import * as sql from "./queries.js";

export interface UserTable {
  name: string;
  /** SQL condition on alias `t` selecting the user's rows ($1 is the user id). */
  owner: string;
  /** Columns the export leaves out (secrets, hashes). */
  sensitive: string[];
  /** Whether role authenticated may read the table, so the export (which runs as the user) can include it. */
  readable: boolean;
  hasCreatedAt: boolean;
}

interface ForeignKey {
  child: string;
  column: string;
  parent: string;
  parent_column: string;
  single: boolean;
}

const quote = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

/**
 * Tables with a `user_id`, and tables that belong to one through a foreign key (webhook_logs → webhooks),
 * transitively; in deletion order: a table comes before every table it references.
 */
export async function discoverUserTables(db: Queryable): Promise<UserTable[]> {
  const direct = (await db.query<{ table: string }>(sql.selectUserTables)).rows.map((r) => r.table);
  const keys = (await db.query<ForeignKey>(sql.selectForeignKeys)).rows;

  // Rows without a user_id belong to the user when their parent row does; repeat for chains.
  const via = new Map<string, ForeignKey | null>(direct.map((t) => [t, null]));
  for (let grew = true; grew; ) {
    grew = false;
    for (const k of keys) {
      if (!k.single || via.has(k.child) || !via.has(k.parent)) continue;
      via.set(k.child, k);
      grew = true;
    }
  }
  const ownerOf = (table: string, alias: string, depth: number): string => {
    const k = via.get(table);
    if (!k) return `${alias}.user_id = $1`;
    const p = `p${depth}`;
    return `${alias}.${quote(k.column)} IN (SELECT ${p}.${quote(k.parent_column)} FROM public.${quote(k.parent)} ${p} WHERE ${ownerOf(k.parent, p, depth + 1)})`;
  };

  const names = [...via.keys()];
  const columns = (await db.query<{ table: string; column: string; readable: boolean }>(sql.selectColumns, [names]))
    .rows;
  const tables = names.map((name) => {
    const own = columns.filter((c) => c.table === name);
    return {
      name,
      owner: ownerOf(name, "t", 1),
      sensitive: own.map((c) => c.column).filter((c) => SENSITIVE_COLUMN.test(c)),
      readable: own.some((c) => c.readable),
      hasCreatedAt: own.some((c) => c.column === "created_at"),
    };
  });
  return deletionOrder(tables, keys);
}

/** Referencing tables before referenced ones (Kahn); a cycle keeps its tables' name order and relies on cascades. */
function deletionOrder(tables: UserTable[], keys: ForeignKey[]): UserTable[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const references = new Map<string, Set<string>>(tables.map((t) => [t.name, new Set<string>()]));
  for (const k of keys) {
    if (k.child !== k.parent && byName.has(k.child) && byName.has(k.parent)) references.get(k.parent)!.add(k.child);
  }
  const ordered: UserTable[] = [];
  const remaining = new Set([...byName.keys()].sort());
  while (remaining.size > 0) {
    const free = [...remaining].filter((name) => [...references.get(name)!].every((child) => !remaining.has(child)));
    const next = free.length > 0 ? free : [[...remaining][0]!];
    for (const name of next) {
      ordered.push(byName.get(name)!);
      remaining.delete(name);
    }
  }
  return ordered;
}

/** One statement returning `{ table: rows[] }` for the given tables, secrets removed; one snapshot for all. */
export function exportStatement(tables: readonly UserTable[]): string {
  // jsonb_build_object takes at most 100 arguments: 40 tables per call, concatenated.
  const parts: string[] = [];
  for (let i = 0; i < tables.length; i += 40) {
    const pairs = tables.slice(i, i + 40).map((t) => {
      const row = t.sensitive.length
        ? `to_jsonb(t) - ARRAY[${t.sensitive.map(literal).join(", ")}]::text[]`
        : "to_jsonb(t)";
      const order = t.hasCreatedAt ? " ORDER BY t.created_at" : "";
      return `${literal(t.name)}, (SELECT coalesce(jsonb_agg(${row}${order}), '[]'::jsonb) FROM public.${quote(t.name)} t WHERE ${t.owner})`;
    });
    parts.push(`jsonb_build_object(${pairs.join(",\n    ")})`);
  }
  return `SELECT ${parts.length ? parts.join(" || ") : "'{}'::jsonb"} AS tables`;
}

export function deleteStatement(table: UserTable): string {
  return `DELETE FROM public.${quote(table.name)} t WHERE ${table.owner}`;
}
