#!/usr/bin/env node
// Builds the console into static files (index.html, one script, one stylesheet, content-hashed) with esbuild.
// Plain JavaScript so `pnpm start` can run it with bare node: `--if-stale` costs a few stat calls when nothing changed.
//
//   node scripts/build.mjs                       build into apps/console/dist
//   node scripts/build.mjs --out <dir>           build elsewhere (the API's `pnpm build` puts it in its dist/console)
//   node scripts/build.mjs --if-stale            build only when dist is missing or older than a source file
//   node scripts/build.mjs --watch               rebuild on every change (the running API serves what is on disk)
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const DEFAULT_OUT = join(ROOT, "dist");
const SOURCES = [join(ROOT, "src"), fileURLToPath(import.meta.url), join(ROOT, "package.json")];

/** Newest modification time among the console's sources (and this script, whose output they are). */
async function newestSource(paths) {
  let newest = 0;
  for (const path of paths) {
    const info = await stat(path);
    if (info.isDirectory()) {
      const entries = await readdir(path);
      newest = Math.max(newest, await newestSource(entries.map((name) => join(path, name))));
    } else newest = Math.max(newest, info.mtimeMs);
  }
  return newest;
}

/** True when `out` holds a build at least as new as every source file. */
export async function isBuildFresh(out = DEFAULT_OUT) {
  try {
    const built = (await stat(join(out, "index.html"))).mtimeMs;
    return built >= (await newestSource(SOURCES));
  } catch {
    return false;
  }
}

function options(out) {
  return {
    entryPoints: { app: join(ROOT, "src/main.tsx") },
    bundle: true,
    format: "esm",
    target: "es2022",
    jsx: "automatic",
    jsxImportSource: "preact",
    minify: true,
    sourcemap: false,
    legalComments: "none",
    entryNames: "[name]-[hash]",
    outdir: out,
    metafile: true,
    logLevel: "warning",
  };
}

/** Writes index.html pointing at the hashed script and stylesheet esbuild produced. */
async function writeIndex(out, metafile) {
  const outputs = Object.keys(metafile.outputs).map((path) => basename(path));
  const script = outputs.find((name) => name.endsWith(".js"));
  const style = outputs.find((name) => name.endsWith(".css"));
  const template = await readFile(join(ROOT, "src/index.html"), "utf8");
  await writeFile(join(out, "index.html"), template.replace("%SCRIPT%", script).replace("%STYLE%", style));
}

/**
 * One full build into `out`. It is written beside `out` and swapped in with two renames, so a server reading `out`
 * meanwhile (or a second build started at the same time) never sees a half-written folder, and old hashed files do
 * not pile up.
 */
export async function buildConsole(out = DEFAULT_OUT) {
  const esbuild = await import("esbuild");
  const next = `${out}.next-${process.pid}`;
  const old = `${out}.old-${process.pid}`;
  await rm(next, { recursive: true, force: true });
  await mkdir(next, { recursive: true });
  try {
    const result = await esbuild.build(options(next));
    await writeIndex(next, result.metafile);
    await rename(out, old).catch((error) => {
      if (error.code !== "ENOENT") throw error;
    });
    await rename(next, out);
  } finally {
    await rm(next, { recursive: true, force: true });
    await rm(old, { recursive: true, force: true });
  }
}

async function watch(out) {
  const esbuild = await import("esbuild");
  await mkdir(out, { recursive: true });
  const context = await esbuild.context({
    ...options(out),
    plugins: [
      {
        name: "index-html",
        setup(build) {
          build.onEnd(async (result) => {
            if (result.metafile) await writeIndex(out, result.metafile);
            console.log(`console rebuilt into ${out}`);
          });
        },
      },
    ],
  });
  await context.watch();
}

async function main() {
  const { values } = parseArgs({
    options: { out: { type: "string" }, "if-stale": { type: "boolean" }, watch: { type: "boolean" } },
  });
  const out = values.out ? resolve(values.out) : DEFAULT_OUT;
  if (values.watch) return watch(out);
  if (values["if-stale"] && (await isBuildFresh(out))) return;
  const started = Date.now();
  await buildConsole(out);
  console.error(`console built into ${out} in ${Date.now() - started} ms`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(`console build failed: ${error.message}`);
    process.exitCode = 1;
  });
}
