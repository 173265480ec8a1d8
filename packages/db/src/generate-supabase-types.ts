/**
 * `pnpm db:types`: regenerates src/supabase/database.types.ts from the migrations, on a throwaway database of the
 * Postgres server at TEST_DATABASE_URL (default: the local one). Run it after adding a migration.
 * `pnpm db:types --check <database url>`: fails when the file differs from the types of that migrated database
 * (scripts/supabase-cli-check.sh passes the database the Supabase CLI built).
 */
import { readFile, writeFile } from "node:fs/promises";
import { relative } from "node:path";
import { databaseTypesFile, databaseTypesOf, generateDatabaseTypes, installPostgresMeta } from "./supabase-types.js";

const [flag, checkUrl] = process.argv.slice(2);
const file = relative(process.cwd(), databaseTypesFile);
await installPostgresMeta();
if (flag === "--check" && checkUrl) {
  if ((await databaseTypesOf(checkUrl)) !== (await readFile(databaseTypesFile, "utf8"))) {
    console.error(`${file} differs from the migrated database's types: run \`pnpm db:types\` and commit it`);
    process.exitCode = 1;
  } else {
    console.log(`${file} matches the database's types`);
  }
} else {
  const serverUrl = process.env.TEST_DATABASE_URL || "postgresql://postgres@127.0.0.1:5432/postgres";
  await writeFile(databaseTypesFile, await generateDatabaseTypes(serverUrl));
  console.log(`wrote ${file}`);
}
