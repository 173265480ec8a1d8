/**
 * Archive before delete: what retention would delete, written as gzipped NDJSON (one row a line, as JSON the way
 * Postgres's to_jsonb writes it), and loaded back by `restoreArchive`. Files are named
 * `<target>-<cutoff>.ndjson.gz`, so a restore knows its table from the name.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { basename, join } from "node:path";
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip, createGzip } from "node:zlib";
import type { Database } from "./database.js";
import type { Queryable } from "./queryable.js";

export const ARCHIVE_TARGETS = ["audit_logs", "webhook_logs", "ivr_sessions"] as const;
export type ArchiveTarget = (typeof ARCHIVE_TARGETS)[number];

const PAGE = 1_000;

export interface ArchivedFile {
  target: ArchiveTarget;
  cutoff: Date;
  file: string;
  rows: number;
}

/** The file name of a target's archive for a cutoff: `webhook_logs-20260907T000000Z.ndjson.gz`. */
export function archiveFileName(target: ArchiveTarget, cutoff: Date): string {
  return `${target}-${cutoff.toISOString().replace(/[-:]/g, "").replace(/\.\d+/, "")}.ndjson.gz`;
}

/**
 * Writes every row retention would delete from `target` at `cutoff` (vx_expired_rows: expired months whole for
 * webhook_logs, rows older than the cutoff otherwise) to `<dir>/<target>-<cutoff>.ndjson.gz`, page by page.
 */
export async function archiveExpired(
  db: Queryable,
  target: ArchiveTarget,
  cutoff: Date,
  dir: string,
): Promise<ArchivedFile> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, archiveFileName(target, cutoff));
  let rows = 0;
  async function* lines() {
    let after: { at: Date; id: string } | undefined;
    for (;;) {
      const page = await db.query<{ row_json: unknown; at: Date; id: string }>(
        "SELECT row_json, at, id FROM public.vx_expired_rows($1, $2, $3, $4, $5)",
        [target, cutoff, after?.at ?? null, after?.id ?? null, PAGE],
      );
      for (const row of page.rows) yield `${JSON.stringify(row.row_json)}\n`;
      rows += page.rows.length;
      const last = page.rows.at(-1);
      if (!last || page.rows.length < PAGE) return;
      after = { at: last.at, id: last.id };
    }
  }
  await pipeline(Readable.from(lines()), createGzip(), createWriteStream(file));
  return { target, cutoff, file, rows };
}

export interface RestoreReport {
  target: ArchiveTarget;
  /** Rows inserted. */
  restored: number;
  /** Rows already there (same key), or whose parent row is gone (a deleted webhook's logs). */
  skipped: number;
}

/**
 * Loads an archive file back into its table, in batches; rows already present are skipped, and so are rows whose
 * parent no longer exists (foreign key), one by one, so the rest still load. Retention deletes restored rows again
 * on its next pass if they are still expired: restore into a database whose retention is off to keep them.
 */
export async function restoreArchive(db: Database, file: string): Promise<RestoreReport> {
  const target = ARCHIVE_TARGETS.find((t) => basename(file).startsWith(`${t}-`));
  if (!target) throw new Error(`${basename(file)} is not a vx archive (<target>-<cutoff>.ndjson.gz)`);
  const report: RestoreReport = { target, restored: 0, skipped: 0 };
  const insert = `INSERT INTO public.${target} SELECT * FROM jsonb_populate_recordset(NULL::public.${target}, $1::jsonb) ON CONFLICT DO NOTHING`;
  const load = async (batch: unknown[]): Promise<void> => {
    try {
      const { rowCount } = await db.query(insert, [JSON.stringify(batch)]);
      report.restored += rowCount;
      report.skipped += batch.length - rowCount;
    } catch (error) {
      if ((error as { code?: string }).code !== "23503") throw error;
      // A row whose parent is gone fails the whole batch: find it row by row, load the others.
      if (batch.length === 1) report.skipped++;
      else for (const row of batch) await load([row]);
    }
  };
  const lines = createInterface({ input: createReadStream(file).pipe(createGunzip()), crlfDelay: Infinity });
  let batch: unknown[] = [];
  for await (const line of lines) {
    if (line.trim() === "") continue;
    batch.push(JSON.parse(line));
    if (batch.length === PAGE) {
      await load(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await load(batch);
  return report;
}
