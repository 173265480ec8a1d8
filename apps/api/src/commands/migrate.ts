/** `vx migrate up [N] | down [N] [--yes] | status`: migrations on DATABASE_URL, or on the embedded data folder. */
import type { Config } from "../config.js";

export interface MigrateArguments {
  direction: "up" | "down" | "status";
  count?: number;
  /** Confirms a `down` that reverts more than one migration. */
  yes?: boolean;
}

/** Prints what it applied, reverted or found, one line each; the exit code. */
export async function migrateCommand(config: Config, { direction, count, yes = false }: MigrateArguments) {
  const {
    migrate,
    migrationStatus,
    migrationStatusLines,
    openDatabase,
    refuseTransactionPooler,
    revertNeedsConfirmation,
  } = await import("@vx/db");
  // Before connecting: a pooler cannot run migrations, whatever state the database is in.
  const migrationUrl = config.databaseMigrationUrl ?? config.databaseUrl;
  if (direction !== "status" && migrationUrl) refuseTransactionPooler(migrationUrl);
  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, migrate: false });
  try {
    if (direction === "status") {
      for (const line of migrationStatusLines(await migrationStatus(db))) console.log(line);
      return 0;
    }
    const refused =
      direction === "down" && !yes ? revertNeedsConfirmation(await migrationStatus(db), count) : undefined;
    if (refused) {
      console.error(`vx: ${refused}`);
      return 1;
    }
    const ran = await migrate({ databaseUrl: migrationUrl ?? db.url, direction, count });
    const verb = direction === "up" ? "applied " : "reverted";
    console.log(ran.length ? ran.map((m) => `${verb} ${m.name}`).join("\n") : "nothing to do");
    return 0;
  } finally {
    await db.close();
  }
}
