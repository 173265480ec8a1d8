// A data folder the file system refuses is one line naming the setting, before anything starts: a path that names a
// file (or goes through one), a place where no folder can be made. It used to be a stack trace, or a hang on /proc.
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { backupEmbedded, DbError, makeDataDir, openDatabase } from "@vx/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let dir: string;
let file: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "vx-data-dir-"));
  file = join(dir, "a-file");
  await writeFile(file, "not a folder\n");
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function refusal(promise: Promise<unknown>): Promise<DbError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DbError);
  expect((error as DbError).code).toBe("data_dir_unusable");
  expect((error as DbError).message).not.toContain("\n");
  expect((error as DbError).message).toContain("VX_DATA_DIR");
  return error as DbError;
}

describe("the embedded data folder", () => {
  it("refuses a path that names a file, and leaves the file alone", async () => {
    const error = await refusal(openDatabase({ dataDir: file }));
    expect(error.message).toContain(`cannot use ${file} as the data folder: a file stands where a folder is needed`);
    expect((await stat(file)).isFile()).toBe(true);
  });

  it("refuses a path through a file, naming the file, and creates nothing", async () => {
    const error = await refusal(openDatabase({ dataDir: join(file, "data", "deeper") }));
    expect(error.message).toContain(`(${file})`);
    expect((await readdir(dir)).sort()).toEqual(["a-file"]);
  });

  it("says at once where no folder can be made, where Node's recursive mkdir retried forever", async () => {
    const error = await refusal(openDatabase({ dataDir: "/proc/vx-no-folder-here/data" }));
    expect(error.message).toContain("the file system does not allow folders there");
  }, 5_000);

  it("backs up nothing from a path that names a file, saying it holds no database", async () => {
    await expect(backupEmbedded(file, join(dir, "backup.tar.gz"))).rejects.toThrow(
      `${file} holds no embedded database to back up`,
    );
    expect(existsSync(join(dir, "backup.tar.gz"))).toBe(false);
  });

  it("makes every missing level, also when several processes' opens race for the same new folder", async () => {
    const target = join(dir, "new", "nested", "data");
    const made = await Promise.all(Array.from({ length: 8 }, () => makeDataDir(target)));
    expect(new Set(made)).toEqual(new Set([target]));
    expect((await stat(target)).isDirectory()).toBe(true);
    await expect(makeDataDir(target)).resolves.toBe(target);
  });
});
