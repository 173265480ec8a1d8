// The development secrets in the data folder are created whole: `vx serve` and `vx worker` started together from one
// folder must never read a key file that exists but is still empty.
import { readFileSync, watch } from "node:fs";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFileOnce } from "../src/create-file-once.js";

describe("createFileOnce", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "vx-create-once-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("never shows a reader the file before its content", async () => {
    // A reader reacting to the folder's change events is what a second process starting at that moment is: with an
    // exclusive create followed by a write, it read the file empty on every round.
    const seen: string[] = [];
    for (let round = 0; round < 10; round++) {
      const path = join(dir, `key-${round}`);
      const content = `dev:${"k".repeat(44)}\n`;
      const watcher = watch(dir, () => {
        // Synchronous, as a reader in another process would read between this one's create and write.
        try {
          seen.push(readFileSync(path, "utf8"));
        } catch {
          // not there yet
        }
      });
      await createFileOnce(path, content);
      await new Promise((resolve) => setTimeout(resolve, 20));
      watcher.close();
      expect(seen.every((text) => text === content)).toBe(true);
    }
    expect(seen.length).toBeGreaterThan(0);
  });

  it("lets exactly one of many concurrent callers create it, private to the owner, and leaves nothing else", async () => {
    const path = join(dir, "dev-jwt-secret");
    const created = await Promise.all(Array.from({ length: 20 }, (_, i) => createFileOnce(path, `secret-${i}\n`)));
    expect(created.filter(Boolean)).toHaveLength(1);
    expect(await readFile(path, "utf8")).toBe(`secret-${created.indexOf(true)}\n`);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(["dev-jwt-secret"]);
  });

  it("keeps a file that exists", async () => {
    const path = join(dir, "webhook-secret-key");
    await writeFile(path, "dev:existing\n");
    expect(await createFileOnce(path, "dev:new\n")).toBe(false);
    expect(await readFile(path, "utf8")).toBe("dev:existing\n");
    expect(await readdir(dir)).toEqual(["webhook-secret-key"]);
  });
});
