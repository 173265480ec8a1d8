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

async function main(argv: string[]): Promise<void> {
  const yes = argv.includes("--yes");
  const args = (argv[0] === "migrate" ? argv.slice(1) : argv).filter((a) => a !== "--yes");
  const command = args[0] ?? "up";
  const count = args[1] === undefined ? undefined : Number(args[1]);
  if (!["up", "down", "status"].includes(command) || (count !== undefined && !(count > 0))) {
    console.error("usage: vx-db migrate up [N] | down [N] [--yes] | status");
    process.exitCode = 2;
    return;
  }
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
    const ran = await migrate({ databaseUrl, direction: command as "up" | "down", count });
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
