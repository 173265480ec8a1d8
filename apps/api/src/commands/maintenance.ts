/** `vx cleanup`, `vx backup` and `vx restore`: maintenance a user runs by hand or from cron. */
import { resolve } from "node:path";
import type { Config } from "../config.js";

/** Deletes what the retention policy says has expired (spec defaults: audit 365 d, webhook logs 90 d, ended IVR sessions 30 d). */
export async function cleanupCommand(config: Config): Promise<number> {
  const [{ openDatabase }, { runRetention }] = await Promise.all([import("@vx/db"), import("../workers/retention.js")]);
  const db = await openDatabase({
    url: config.databaseUrl,
    migrationUrl: config.databaseMigrationUrl,
    dataDir: config.dataDir,
  });
  try {
    const { report, webhookEventsPurged, ratelimitStatesPruned } = await runRetention(
      db,
      config.retention,
      () => new Date(),
    );
    for (const t of report.targets) {
      console.log(
        `${t.target.padEnd(13)} deleted ${t.deleted} in ${t.batches} batches (older than ${t.cutoff.toISOString()})${t.complete ? "" : ", more left for the next run"}`,
      );
    }
    console.log(`webhook events (finished) purged ${webhookEventsPurged}`);
    console.log(`rate limiter identifiers (idle for an hour) pruned ${ratelimitStatesPruned}`);
    return 0;
  } finally {
    await db.close();
  }
}

/** A tarball of the embedded database. Postgres users: pg_dump (the README shows how). */
export async function backupCommand(config: Config, args: string[]): Promise<number> {
  if (config.databaseUrl) {
    console.error(
      'vx: DATABASE_URL is set: back up Postgres with pg_dump, e.g. pg_dump --format=custom --no-owner --file vx.dump "$DATABASE_URL"',
    );
    return 1;
  }
  const file = resolve(args[0] ?? `vx-backup-${new Date().toISOString().replace(/[:.]/g, "-")}.tar.gz`);
  const { backupEmbedded } = await import("@vx/db");
  return oneLineErrors(async () => {
    const { bytes } = await backupEmbedded(config.dataDir, file);
    console.log(`backed up ${config.dataDir} to ${file} (${bytes} bytes). Stop the server before backing up.`);
  });
}

export async function restoreCommand(config: Config, file: string, force: boolean): Promise<number> {
  if (config.databaseUrl) {
    console.error(
      'vx: DATABASE_URL is set: restore Postgres with pg_restore --no-owner --dbname "$DATABASE_URL" <file>',
    );
    return 1;
  }
  const { restoreEmbedded } = await import("@vx/db");
  return oneLineErrors(async () => {
    await restoreEmbedded(resolve(file), config.dataDir, { force });
    console.log(`restored ${file} into ${config.dataDir}`);
  });
}

/** A refused backup or restore is the user's to fix: one line, no stack trace. */
async function oneLineErrors(work: () => Promise<void>): Promise<number> {
  try {
    await work();
    return 0;
  } catch (error) {
    console.error(`vx: ${(error as Error).message}`);
    return 1;
  }
}
