/**
 * One process per embedded data folder. PGlite has no lock of its own: two processes on one folder both accept
 * writes, disagree about the data and lose some at the next start. A lock file names the holder (pid, host, the
 * process's start time); a lock whose process is gone (killed, crashed, a container restarted) is taken over, so a
 * crash never blocks the next start.
 */
import { randomBytes } from "node:crypto";
import { readFileSync, unlinkSync } from "node:fs";
import { link, mkdir, readFile, rm, rmdir, stat, unlink, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { basename, join, resolve } from "node:path";
import { dataDirUnusable, makeDataDir } from "./data-dir.js";
import { DbError } from "./errors.js";

export const LOCK_FILE = "vx.lock";

export interface DataDirLock {
  /** The folder, as an absolute path. */
  readonly dir: string;
  release(): Promise<void>;
}

interface Holder {
  pid: number;
  host: string;
  /** Linux: the process's start time in clock ticks since boot (/proc/<pid>/stat), so a reused pid is not mistaken. */
  processStart?: string;
  since: string;
  command: string;
}

/** Folders this process holds: a second open in the same process is refused too. */
const heldHere = new Set<string>();

/** A takeover that died half-way leaves its guard folder; after this long it is cleared. */
const STALE_GUARD_MS = 10_000;

export async function lockDataDir(folder: string): Promise<DataDirLock> {
  const dir = resolve(folder);
  if (heldHere.has(dir)) {
    throw new DbError(
      "data_dir_in_use",
      `the data folder ${dir} is already open in this process: close that database first, or use another data folder`,
    );
  }
  // Claimed before the first await: two opens racing in this process would otherwise both pass the check above, and
  // the second would take the first's fresh lock for a stale one (our own pid in a lock it did not take).
  heldHere.add(dir);
  const file = join(dir, LOCK_FILE);
  const mine = JSON.stringify(self());
  try {
    await makeDataDir(dir);
    // The lock is the first file written: a folder this user may read but not write is refused here, in one line.
    const created = await create(file, mine).catch((error: NodeJS.ErrnoException) => {
      throw error.code && error.syscall ? dataDirUnusable(dir, error) : error;
    });
    if (!created) await takeOverIfStale(dir, file, mine);
  } catch (error) {
    heldHere.delete(dir);
    throw error;
  }
  const releaseOnExit = () => removeIfMine(file, mine);
  process.once("exit", releaseOnExit);
  let released = false;
  return {
    dir,
    async release() {
      if (released) return;
      released = true;
      process.off("exit", releaseOnExit);
      heldHere.delete(dir);
      removeIfMine(file, mine);
    },
  };
}

/** Writes the lock in one atomic step (hard link of a complete file): false when one exists already. */
async function create(file: string, content: string): Promise<boolean> {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}`;
  await writeFile(temp, content, { mode: 0o644 });
  try {
    await link(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    await unlink(temp).catch(() => {});
  }
}

/**
 * Replaces a dead holder's lock. Two processes may find the same stale lock at once: a guard folder (mkdir is
 * atomic) lets one of them re-check and replace it; the other then finds the winner's live lock.
 */
async function takeOverIfStale(dir: string, file: string, mine: string): Promise<void> {
  const guard = `${file}.takeover`;
  await acquireGuard(guard);
  try {
    const holder = await readHolder(file);
    if (holder && isAlive(holder)) throw inUse(dir, holder);
    await rm(file, { force: true });
    if (!(await create(file, mine))) {
      const winner = await readHolder(file);
      throw inUse(dir, winner ?? self());
    }
  } finally {
    await rmdir(guard).catch(() => {});
  }
}

async function acquireGuard(guard: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await mkdir(guard);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const age = await stat(guard).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > STALE_GUARD_MS) await rmdir(guard).catch(() => {});
      else await new Promise((done) => setTimeout(done, 20 + attempt * 5));
    }
  }
}

async function readHolder(file: string): Promise<Holder | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, "utf8")) as Holder;
    return Number.isInteger(parsed.pid) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(holder: Holder): boolean {
  // Another machine's process (a folder on a network share) cannot be checked: treat it as alive.
  if (holder.host !== hostname()) return true;
  // Our own pid in a lock we did not take: a previous life of this container or machine.
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const started = processStart(holder.pid);
  return !(started && holder.processStart && started !== holder.processStart);
}

function self(): Holder {
  return {
    pid: process.pid,
    host: hostname(),
    processStart: processStart(process.pid),
    since: new Date().toISOString(),
    command: [basename(process.argv[1] ?? process.argv0), ...process.argv.slice(2)].join(" ").slice(0, 120),
  };
}

function processStart(pid: number): string | undefined {
  try {
    // Field 22 of /proc/<pid>/stat, counted after the command name, which may itself hold spaces.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** Synchronous, so it also runs from an `exit` handler. */
function removeIfMine(file: string, mine: string): void {
  try {
    if (readFileSync(file, "utf8") === mine) unlinkSync(file);
  } catch {
    // Already gone.
  }
}

function inUse(dir: string, holder: Holder): DbError {
  const host = holder.host === hostname() ? "" : ` on ${holder.host}`;
  return new DbError(
    "data_dir_in_use",
    `the data folder ${dir} is in use by process ${holder.pid}${host} (${holder.command}, since ${holder.since}): ` +
      "stop it first, or use another data folder (VX_DATA_DIR, or openDatabase({ dataDir }))",
  );
}
