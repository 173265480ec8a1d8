/** Opens the configured database for one command's work; a refusal (a wrong key, a bad file) is one line. */
import type { Database } from "@vx/db";
import type { Config } from "../config.js";

export async function withDatabase(
  config: Config,
  work: (config: Config, db: Database) => Promise<void>,
): Promise<number> {
  const { openDatabase } = await import("@vx/db");
  const db = await openDatabase({
    url: config.databaseUrl,
    migrationUrl: config.databaseMigrationUrl,
    dataDir: config.dataDir,
  });
  try {
    await work(config, db);
    return 0;
  } catch (error) {
    console.error(`vx: ${(error as Error).message}`);
    return 1;
  } finally {
    await db.close();
  }
}
