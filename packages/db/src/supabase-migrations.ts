/**
 * The Supabase CLI's copy of our migrations: the Up half of each file in ../migrations, under a
 * `<timestamp>_<name>.sql` name. packages/db/migrations stays the one source; `pnpm supabase:sync` writes the copy.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { migrationsDir } from "./migrate.js";

export interface SupabaseMigration {
  fileName: string;
  sql: string;
}

const UP = "-- Up Migration";
const DOWN = "-- Down Migration";

export async function supabaseMigrations(): Promise<SupabaseMigration[]> {
  const dir = migrationsDir();
  const files = (await readdir(dir)).filter((f) => /^\d{3}_.+\.sql$/.test(f)).sort();
  return Promise.all(
    files.map(async (file) => ({
      fileName: supabaseFileName(file),
      sql: toSupabaseSql(file, await readFile(join(dir, file), "utf8")),
    })),
  );
}

/** `001_create_api_keys_table.sql` → `20260101000001_create_api_keys_table.sql` (fixed, so names never churn). */
export function supabaseFileName(file: string): string {
  return `20260101000${file}`;
}

export function toSupabaseSql(file: string, source: string): string {
  const up = source.indexOf(UP);
  const down = source.indexOf(DOWN);
  if (up < 0 || down < up) throw new Error(`${file}: needs "${UP}" followed by "${DOWN}"`);
  const header = source.slice(0, up).trim();
  const body = source.slice(up + UP.length, down).trim();
  return [
    `-- Generated from packages/db/migrations/${file} by \`pnpm supabase:sync\`. Do not edit: edit the source.`,
    header,
    body,
    "",
  ]
    .filter((part, i) => i === 3 || part.length > 0)
    .join("\n\n");
}
