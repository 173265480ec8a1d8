// The committed Database type (src/supabase/database.types.ts) is what Supabase's generator makes from the
// migrations today: a migration added without `pnpm db:types` fails here. Needs Postgres (the generator reads a real
// catalog) and the pinned generator, which `pnpm db:types` and scripts/supabase-cli-check.sh install.
import { readFile } from "node:fs/promises";
import { testPostgresUrl } from "@vx/db/testing";
import { describe, expect, it } from "vitest";
import { databaseTypesFile, generateDatabaseTypes, postgresMetaInstalled } from "../src/supabase-types.js";

const serverUrl = testPostgresUrl();
const skipReason = !serverUrl
  ? "set TEST_DATABASE_URL to run"
  : !postgresMetaInstalled()
    ? "the pinned @supabase/postgres-meta is not installed: run `pnpm db:types` once"
    : undefined;

describe.skipIf(skipReason)(`generated Supabase types${skipReason ? ` [SKIPPED: ${skipReason}]` : ""}`, () => {
  it("src/supabase/database.types.ts is what the generator makes from the migrations (run `pnpm db:types`)", async () => {
    const generated = await generateDatabaseTypes(serverUrl!);
    expect(await readFile(databaseTypesFile, "utf8")).toBe(generated);
  });
});
