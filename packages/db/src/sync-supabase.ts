/** Writes supabase/migrations from packages/db/migrations (run by `pnpm supabase:sync`). */
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { supabaseMigrations } from "./supabase-migrations.js";

const target = resolve(process.argv[2] ?? "supabase/migrations");
await mkdir(target, { recursive: true });
const wanted = await supabaseMigrations();
for (const stale of await readdir(target)) {
  if (!wanted.some((m) => m.fileName === stale)) await rm(join(target, stale));
}
for (const m of wanted) await writeFile(join(target, m.fileName), m.sql);
console.log(`wrote ${wanted.length} migrations to ${target}`);
