#!/usr/bin/env node
/**
 * `vx-db migrate up|down|status`: migrations against DATABASE_URL (run over DATABASE_MIGRATION_URL when set), or the
 * embedded PGlite folder when unset.
 */
import { join } from "node:path";
import {
  DEFAULT_DATA_DIR,
  migrate,
  migrationStatus,
  migrationStatusLines,
  openDatabase,
  revertNeedsConfirmation,
} from "./index.js";
import { MIGRATE_USAGE, parseMigrateArguments } from "./migrate-arguments.js";

const HELP = `Runs the migrations against DATABASE_URL (over DATABASE_MIGRATION_URL when set: the direct connection when
DATABASE_URL is a transaction pooler), or the embedded PGlite folder VX_DATA_DIR (default ./.vx-data) when unset.
  up [N]            apply every pending migration, or the next N
  down [N] [--yes]  revert the last one, or the last N (more than one only with --yes: it drops tables with their rows)
  status            list applied and pending migrations`;

async function main(argv: string[]): Promise<void> {
  const parsed = parseMigrateArguments(argv);
  if ("error" in parsed) {
    console.error(`vx-db: ${parsed.error}\n${MIGRATE_USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (parsed.command === "help") {
    console.log(`${MIGRATE_USAGE}\n\n${HELP}`);
    return;
  }
  const { command } = parsed;
  const count = "count" in parsed ? parsed.count : undefined;
  const yes = "yes" in parsed && parsed.yes;
  const url = process.env.DATABASE_URL || undefined;
  // Under `pnpm --filter @vx/db migrate` the cwd is the package: INIT_CWD is where the user typed the command.
  const dataDir = process.env.VX_DATA_DIR ?? join(process.env.INIT_CWD ?? process.cwd(), DEFAULT_DATA_DIR);
  const db = await openDatabase({ url, dataDir, migrate: false });
  try {
    if (command === "status") {
      for (const line of migrationStatusLines(await migrationStatus(db))) console.log(line);
      return;
    }
    const refused = command === "down" && !yes ? revertNeedsConfirmation(await migrationStatus(db), count) : undefined;
    if (refused) {
      console.error(`vx-db: ${refused}`);
      process.exitCode = 1;
      return;
    }
    // DATABASE_MIGRATION_URL: the direct or session connection when DATABASE_URL is a transaction pooler.
    const databaseUrl = (url && process.env.DATABASE_MIGRATION_URL) || db.url;
    const ran = await migrate({ databaseUrl, direction: command, count });
    console.log(
      ran.length
        ? ran.map((m) => `${command === "up" ? "applied " : "reverted"} ${m.name}`).join("\n")
        : "nothing to do",
    );
  } finally {
    await db.close();
  }
}

main(process.argv.slice(2)).catch((error: Error) => {
  console.error(`migrate failed: ${error.message}`);
  process.exitCode = 1;
});
