// The import rules of STYLE.md, checked on every run: domain packages stay pure and never reach for a database.
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { expect, it } from "vitest";

const root = join(__dirname, "..");
const DOMAIN_PACKAGES = ["api-keys", "webhooks", "ivr", "compliance"];

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) => {
      const path = join(dir, e.name);
      if (e.isDirectory()) return sourceFiles(path);
      return Promise.resolve(/\.ts$/.test(e.name) && !/\.test\.ts$/.test(e.name) ? [path] : []);
    }),
  );
  return nested.flat();
}

function importsOf(source: string): string[] {
  return [...source.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)].map((m) => m[1]!);
}

it.each(DOMAIN_PACKAGES)("@vx/%s imports no database driver, no adapter and no other @vx package", async (pkg) => {
  const offenders: string[] = [];
  for (const file of await sourceFiles(join(root, "packages", pkg, "src"))) {
    for (const spec of importsOf(await readFile(file, "utf8"))) {
      if (/^(pg|pg-.*|@electric-sql\/.*|@supabase\/.*|postgres|@vx\/.*)$/.test(spec)) {
        offenders.push(`${relative(root, file)} imports ${spec}`);
      }
    }
  }
  expect(offenders).toEqual([]);
});

it.each(DOMAIN_PACKAGES)("@vx/%s reads no environment variables", async (pkg) => {
  const offenders: string[] = [];
  for (const file of await sourceFiles(join(root, "packages", pkg, "src"))) {
    if (/process\.env/.test(await readFile(file, "utf8"))) offenders.push(relative(root, file));
  }
  expect(offenders).toEqual([]);
});

it("@vx/db never imports the API app", async () => {
  const offenders: string[] = [];
  for (const file of await sourceFiles(join(root, "packages", "db", "src"))) {
    for (const spec of importsOf(await readFile(file, "utf8"))) {
      if (spec.startsWith("@vx/api") && spec !== "@vx/api-keys" && !spec.startsWith("@vx/api-keys/")) {
        offenders.push(`${relative(root, file)} imports ${spec}`);
      }
    }
  }
  expect(offenders).toEqual([]);
});
