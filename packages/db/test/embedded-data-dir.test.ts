// One process per embedded data folder, crash-safe; a damaged folder is named with the way out; backups and
// snapshots never carry the folder's secrets or lock. Proven with real second processes.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gunzipSync } from "node:zlib";
import { backupEmbedded, DbError, openDatabase, restoreEmbedded } from "@vx/db";
import { afterAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const fixture = fileURLToPath(new URL("./fixtures/hold-data-dir.ts", import.meta.url));
const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx/esm")).href;

const dirs: string[] = [];
const children: ChildProcess[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "vx-datadir-"));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** A second process holding `dataDir`, once it has written its row. */
function holdInAnotherProcess(dataDir: string): Promise<{ child: ChildProcess; pid: number }> {
  const child = spawn(process.execPath, ["--import", tsx, fixture], {
    cwd: root,
    env: { ...process.env, DATA_DIR: dataDir, TSX_TSCONFIG_PATH: `${root}tsconfig.json` },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let output = "";
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /ready (\d+)/.exec(output);
      if (ready) resolve({ child, pid: Number(ready[1]) });
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`holder exited (${code}):\n${output}`)));
  });
}

function exited(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill(signal);
  });
}

async function refusal(work: Promise<unknown>): Promise<DbError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DbError);
  return error as DbError;
}

describe("one process per data folder", () => {
  it("refuses a second process, naming the folder and the process holding it", { timeout: 60_000 }, async () => {
    const dataDir = join(await tempDir(), "data");
    const holder = await holdInAnotherProcess(dataDir);

    const error = await refusal(openDatabase({ dataDir }));
    expect(error.code).toBe("data_dir_in_use");
    expect(error.message).toContain(dataDir);
    expect(error.message).toContain(`process ${holder.pid}`);
    expect(error.message).not.toContain("\n");

    const backup = join(await tempDir(), "refused.tar.gz");
    expect((await refusal(backupEmbedded(dataDir, backup))).code).toBe("data_dir_in_use");
    expect(existsSync(backup)).toBe(false);

    // Once the holder stops cleanly, the folder is free and holds what it wrote.
    await exited(holder.child, "SIGTERM");
    const db = await openDatabase({ dataDir });
    try {
      const { rows } = await db.query("SELECT email FROM auth.users");
      expect(rows).toEqual([{ email: `held-by-${holder.pid}@example.com` }]);
    } finally {
      await db.close();
    }
  });

  it("takes over the lock of a process killed with SIGKILL, keeping what it committed", {
    timeout: 60_000,
  }, async () => {
    const dataDir = join(await tempDir(), "data");
    const holder = await holdInAnotherProcess(dataDir);
    await exited(holder.child, "SIGKILL");
    expect(existsSync(join(dataDir, "vx.lock"))).toBe(true);

    const db = await openDatabase({ dataDir });
    try {
      const { rows } = await db.query("SELECT email FROM auth.users");
      expect(rows).toEqual([{ email: `held-by-${holder.pid}@example.com` }]);
    } finally {
      await db.close();
    }
    expect(existsSync(join(dataDir, "vx.lock"))).toBe(false);
  });

  it("refuses a second open in the same process until the first is closed", async () => {
    const dataDir = join(await tempDir(), "data");
    const first = await openDatabase({ dataDir });
    const error = await refusal(openDatabase({ dataDir }));
    expect(error.code).toBe("data_dir_in_use");
    await first.close();
    const again = await openDatabase({ dataDir });
    await again.close();
  });

  it("lets only one of two opens that race for a new folder in one process have it", async () => {
    // Both used to pass the in-process check, and the second took the first's fresh lock for a stale one (our own
    // pid): two PGlite instances on one folder.
    const dataDir = join(await tempDir(), "data");
    const opens = await Promise.allSettled([openDatabase({ dataDir }), openDatabase({ dataDir })]);
    try {
      expect(opens.map((o) => o.status).sort()).toEqual(["fulfilled", "rejected"]);
      const refused = opens.find((o) => o.status === "rejected") as PromiseRejectedResult;
      expect(refused.reason).toMatchObject({ code: "data_dir_in_use" });
      expect((refused.reason as Error).message).toMatch(/is already open in this process/);
    } finally {
      for (const open of opens) if (open.status === "fulfilled") await open.value.close();
    }
    await (await openDatabase({ dataDir })).close();
  });

  it("lets only one of many processes that start at once take a stale lock", { timeout: 90_000 }, async () => {
    const dataDir = join(await tempDir(), "data");
    await (await openDatabase({ dataDir })).close();
    // A lock left by a process that no longer exists.
    await writeFile(
      join(dataDir, "vx.lock"),
      JSON.stringify({ pid: 2 ** 22 + 1, host: hostname(), since: "", command: "gone" }),
    );
    const starts = await Promise.allSettled([1, 2, 3].map(() => holdInAnotherProcess(dataDir)));
    const held = starts.filter((s) => s.status === "fulfilled");
    expect(held).toHaveLength(1);
    for (const refused of starts.filter((s) => s.status === "rejected")) {
      expect(String((refused as PromiseRejectedResult).reason)).toMatch(/is in use by process \d+/);
    }
  });
});

describe("a damaged data folder", () => {
  it("is named, with the ways out, in one line", async () => {
    const dataDir = join(await tempDir(), "data");
    await (await openDatabase({ dataDir })).close();
    await writeFile(join(dataDir, "global", "pg_control"), Buffer.alloc(8192, 7));

    const error = await refusal(openDatabase({ dataDir }));
    expect(error.code).toBe("data_dir_damaged");
    expect(error.message).toContain(dataDir);
    expect(error.message).toMatch(/looks damaged/);
    expect(error.message).toMatch(/vx restore/);
    expect(error.message).not.toContain("\n");
    // The refusal leaves the folder free for the restore it suggests.
    expect(existsSync(join(dataDir, "vx.lock"))).toBe(false);
  });
});

describe("backups carry Postgres's files only", () => {
  it("leaves the folder's secrets out of a backup, and keeps the target's own on restore", {
    timeout: 60_000,
  }, async () => {
    const source = join(await tempDir(), "source");
    const db = await openDatabase({ dataDir: source });
    await db.query("INSERT INTO auth.users (email) VALUES ('backed-up@example.com')");
    await db.close();
    await writeFile(join(source, "dev-jwt-secret"), "source-secret\n");
    const file = join(await tempDir(), "vx.tar.gz");
    await backupEmbedded(source, file);
    // The archive as anyone holding it can read it (restoring it would not tell: restore drops such files itself).
    const archive = gunzipSync(await readFile(file));
    expect(archive.includes("PG_VERSION")).toBe(true);
    expect(archive.includes("dev-jwt-secret")).toBe(false);
    expect(archive.includes("source-secret")).toBe(false);

    const target = join(await tempDir(), "target");
    await (await openDatabase({ dataDir: target })).close();
    await writeFile(join(target, "dev-jwt-secret"), "target-secret\n");
    await restoreEmbedded(file, target, { force: true });

    expect(await readFile(join(target, "dev-jwt-secret"), "utf8")).toBe("target-secret\n");
    const restored = await openDatabase({ dataDir: target });
    try {
      expect((await restored.query("SELECT email FROM auth.users")).rows).toEqual([{ email: "backed-up@example.com" }]);
    } finally {
      await restored.close();
    }
  });
});
