/**
 * `vx archive`: writes what retention would delete to gzipped NDJSON files (and to an S3-compatible bucket when
 * VX_ARCHIVE_S3_URL is set), then deletes it with the same cutoffs. `vx archive restore <file>…` loads files back.
 */
import { basename, resolve } from "node:path";
import { cutoffFor, retentionPolicy } from "@vx/compliance";
import {
  ARCHIVE_TARGETS,
  type ArchivedFile,
  archiveExpired,
  type Database,
  openDatabase,
  restoreArchive,
} from "@vx/db";
import type { Config } from "../config.js";
import { runRetention } from "../workers/retention.js";
import { putObject } from "./s3-put.js";
import { withDatabase } from "./with-database.js";

export interface ArchiveOptions {
  /** Where the files go; default ./vx-archive. */
  dir?: string;
  /** Write the files, delete nothing. */
  keep?: boolean;
  /** The retention pass's clock (tests); default the system clock. */
  now?: Date;
  /** Told one line per file written, uploaded, and per target deleted. */
  print?: (line: string) => void;
}

/** Archives every retention target the policy limits, uploads the files when S3 is configured, then deletes. */
export async function archiveThenDelete(
  db: Database,
  config: Config,
  options: ArchiveOptions = {},
): Promise<ArchivedFile[]> {
  const print = options.print ?? (() => {});
  const now = options.now ?? new Date();
  const policy = retentionPolicy(config.retention);
  const dir = resolve(options.dir ?? "vx-archive");
  const files: ArchivedFile[] = [];
  for (const target of ARCHIVE_TARGETS) {
    const days = policy[target];
    if (days === null) continue;
    const archived = await archiveExpired(db, target, cutoffFor(now, days), dir);
    files.push(archived);
    print(`${target.padEnd(13)} archived ${archived.rows} rows to ${archived.file}`);
    if (config.archiveS3) {
      print(
        `${"".padEnd(13)} uploaded to ${await putObject(config.archiveS3, basename(archived.file), archived.file)}`,
      );
    }
  }
  if (options.keep) return files;
  // The same clock, so the same cutoffs: exactly what was just archived is deleted.
  const { report } = await runRetention(db, config.retention, () => now);
  for (const t of report.targets) print(`${t.target.padEnd(13)} deleted ${t.deleted}`);
  return files;
}

export async function archiveCommand(config: Config, options: ArchiveOptions = {}): Promise<number> {
  const db = await openDatabase({
    url: config.databaseUrl,
    migrationUrl: config.databaseMigrationUrl,
    dataDir: config.dataDir,
  });
  try {
    await archiveThenDelete(db, config, { print: (line) => console.log(line), ...options });
    return 0;
  } finally {
    await db.close();
  }
}

export function archiveRestoreCommand(config: Config, files: string[]): Promise<number> {
  return withDatabase(config, async (_config, db) => {
    for (const file of files) {
      const report = await restoreArchive(db, resolve(file));
      console.log(`${report.target.padEnd(13)} restored ${report.restored}, skipped ${report.skipped} from ${file}`);
    }
  });
}
