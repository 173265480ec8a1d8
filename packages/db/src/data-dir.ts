/**
 * Creates the embedded data folder, or says in one line why it cannot be used. A path that names a file, a
 * folder this user may not write or a read-only disk used to end in a stack trace (ENOTDIR, EACCES, EROFS from
 * deep inside a start), and a path on /proc or /sys hung: Node's recursive mkdir retries forever when mkdir answers
 * ENOENT under a parent that exists. So each missing level is made with a plain mkdir, once.
 */
import { mkdir, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { DbError } from "./errors.js";

/** Makes `folder` and its missing parents; answers its absolute path. Throws DbError `data_dir_unusable`. */
export async function makeDataDir(folder: string): Promise<string> {
  const dir = resolve(folder);
  const missing: string[] = [];
  for (let level = dir; ; level = dirname(level)) {
    const found = await stat(level).catch((error: NodeJS.ErrnoException) => {
      // Missing, or below a file (ENOTDIR): look one level up, so the message names the file in the way.
      if (error.code === "ENOENT" || error.code === "ENOTDIR") return undefined;
      throw dataDirUnusable(dir, error);
    });
    if (found?.isDirectory()) break;
    if (found) throw dataDirUnusable(dir, Object.assign(new Error("not a folder"), { code: "ENOTDIR", path: level }));
    missing.unshift(level);
    if (dirname(level) === level) break;
  }
  for (const level of missing) {
    await mkdir(level).catch((error: NodeJS.ErrnoException) => {
      // Another process made it meanwhile: fine, it is a folder (else the next level's mkdir says so).
      if (error.code !== "EEXIST") throw dataDirUnusable(dir, error);
    });
  }
  return dir;
}

/** The one line for a data folder the file system refuses, naming the setting that chose it. */
export function dataDirUnusable(dir: string, error: NodeJS.ErrnoException): DbError {
  const path = error.path && error.path !== dir ? ` (${error.path})` : "";
  return new DbError(
    "data_dir_unusable",
    `cannot use ${dir} as the data folder: ${REASONS[error.code ?? ""] ?? error.message}${path}: ` +
      "choose a folder this user can create and write (VX_DATA_DIR, or openDatabase({ dataDir }))",
    { cause: error },
  );
}

const REASONS: Record<string, string> = {
  ENOTDIR: "a file stands where a folder is needed",
  EEXIST: "a file stands where a folder is needed",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "the file system is read-only",
  ENOSPC: "no space left on the device",
  EDQUOT: "the disk quota is used up",
  ENOENT: "the file system does not allow folders there",
  ENAMETOOLONG: "the path is too long",
  ELOOP: "the path loops through symbolic links",
};
