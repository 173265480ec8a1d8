/** Turns the failures a person must fix before `vx` can start (port, database, data folder) into one line naming the setting. */
import { ApiError } from "../errors.js";

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
  address?: unknown;
  port?: unknown;
  hostname?: unknown;
  syscall?: unknown;
  path?: unknown;
}

/** The one line to print for `error`, or `undefined` when it is not one of ours (keep the stack then). */
export function startupFailure(error: unknown): string | undefined {
  // DbError by name: importing @vx/db here would slow down every command, `vx token` included.
  if (error instanceof ApiError || (error instanceof Error && error.name === "DbError")) return error.message;
  for (const e of causes(error)) {
    const line = describePgOrNetError(e) ?? describeFileError(e);
    if (line) return line;
  }
  return undefined;
}

function describePgOrNetError(e: ErrorLike): string | undefined {
  const where = typeof e.address === "string" ? ` at ${e.address}${e.port ? `:${e.port}` : ""}` : "";
  switch (e.code) {
    case "3D000":
      return `${e.message}: create it (createdb), or point DATABASE_URL at a database that exists`;
    case "28000":
    case "28P01":
      return `Postgres refused the role or password in DATABASE_URL (${e.message}): fix DATABASE_URL`;
    case "53100":
      return `the database's disk is full (${e.message}): free space on it (embedded PGlite: the VX_DATA_DIR folder's disk)`;
    case "ECONNREFUSED":
      return `Postgres refused the connection${where}: start it, or fix the host and port in DATABASE_URL`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `cannot resolve the Postgres host${typeof e.hostname === "string" ? ` "${e.hostname}"` : ""}: fix the host in DATABASE_URL`;
    default:
      return undefined;
  }
}

/**
 * A file the data folder should hold that the file system refuses (VX_DATA_DIR names a file, a folder this user
 * may not write, a read-only disk): Node's own message names the call, the path and the reason.
 */
function describeFileError(e: ErrorLike): string | undefined {
  const refused = ["EACCES", "EPERM", "EROFS", "ENOTDIR", "EISDIR", "ENOSPC", "EDQUOT"];
  if (typeof e.syscall !== "string" || typeof e.path !== "string" || !refused.includes(String(e.code)))
    return undefined;
  return `${String(e.message)}: check VX_DATA_DIR (a folder this user can create and write)`;
}

/** The members of an AggregateError (Node's connect tries every address; they name it), the error, its causes. */
function causes(error: unknown, seen = new Set<unknown>()): ErrorLike[] {
  if (typeof error !== "object" || error === null || seen.has(error)) return [];
  seen.add(error);
  const e = error as ErrorLike;
  const inner = Array.isArray(e.errors) ? e.errors : [];
  return [...inner.flatMap((i) => causes(i, seen)), e, ...causes(e.cause, seen)];
}
