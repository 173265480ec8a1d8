#!/usr/bin/env node
/**
 * `pnpm start` and `pnpm vx`: run the `vx` CLI from built JavaScript, building it first when a source is newer.
 *
 * Why: loading the CLI from TypeScript through tsx costs about a second of every start (each of some hundreds of
 * modules goes through tsx's loader), which alone put the zero-config start over its 3 s target. A JS-only build
 * (no type declarations) of the packages the CLI loads takes a few seconds, once after each change of the sources;
 * every start after that runs plain JavaScript. The CLI runs in this process, so signals reach it directly.
 * Set VX_FROM_SOURCE=1 to skip the build and run the TypeScript sources through tsx instead. `serve` also builds the
 * web console when one of its sources is newer than its build (unless VX_CONSOLE=off).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const API = "apps/api";
const BUILD_LOCK = join(ROOT, "node_modules", ".vx-build.lock");

// A closed pipe (`pnpm vx --help | head`) must not kill a build half-way and leave its lock behind.
process.stderr.on("error", () => {});

await main();

async function main() {
  if (process.argv[2] === "serve" && process.env.VX_CONSOLE !== "off") await buildConsoleIfStale();
  if (process.env.VX_FROM_SOURCE !== "1") {
    const stale = stalePackages();
    if (stale.length === 0 || (await build())) {
      await import(pathToFileURL(join(ROOT, API, "dist", "cli.js")).href);
      return;
    }
    process.stderr.write("vx: the build failed (output above); running from the TypeScript sources instead\n");
  }
  const { register } = await import("tsx/esm/api");
  register({ tsconfig: join(ROOT, "tsconfig.json") });
  await import(pathToFileURL(join(ROOT, API, "src", "cli.ts")).href);
}

/** The web console `vx serve` serves at /console: static files, built by esbuild in a fraction of a second. */
async function buildConsoleIfStale() {
  const script = join(ROOT, "apps", "console", "scripts", "build.mjs");
  if (!existsSync(script)) return;
  const { buildConsole, isBuildFresh } = await import(pathToFileURL(script).href);
  if (await isBuildFresh()) return;
  // A failed console build must not stop the API: /console answers 503 console_not_built and says how to build it.
  await buildConsole().catch((error) => process.stderr.write(`vx: the console was not built: ${error.message}\n`));
}

/** The API and the workspace packages it depends on (`@vx/<name>` lives in packages/<name>). */
function packagesOfTheCli() {
  const manifest = JSON.parse(readFileSync(join(ROOT, API, "package.json"), "utf8"));
  const workspace = Object.keys(manifest.dependencies ?? {})
    .filter((name) => name.startsWith("@vx/"))
    .map((name) => `packages/${name.slice("@vx/".length)}`);
  return [...workspace, API];
}

/** Packages whose built entry is missing or older than a file it is built from. */
function stalePackages() {
  return packagesOfTheCli().filter((dir) => {
    const entry = join(ROOT, dir, "dist", dir === API ? "cli.js" : "index.js");
    if (!existsSync(entry)) return true;
    const builtAt = statSync(entry).mtimeMs;
    const inputs = [join(ROOT, dir, "package.json"), join(ROOT, dir, "tsup.config.ts")];
    return (
      inputs.some((file) => existsSync(file) && statSync(file).mtimeMs > builtAt) ||
      newerIn(join(ROOT, dir, "src"), builtAt)
    );
  });
}

function newerIn(folder, than) {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory() ? newerIn(path, than) : statSync(path).mtimeMs > than) return true;
  }
  return false;
}

/**
 * Builds the stale packages (ES modules, no declarations, earlier output kept), all at once; false on failure.
 * One build at a time: a second `pnpm vx` started meanwhile waits, then finds nothing left to build.
 */
async function build() {
  while (!takeBuildLock()) await new Promise((resolve) => setTimeout(resolve, 200));
  try {
    const packages = stalePackages();
    if (packages.length === 0) return true;
    process.stderr.write(`building ${packages.join(", ")} (after a change of their sources)…\n`);
    const tsup = join(
      dirname(createRequire(join(ROOT, "package.json")).resolve("tsup/package.json")),
      "dist",
      "cli-default.js",
    );
    const codes = await Promise.all(
      packages.map(
        (dir) =>
          new Promise((resolve) => {
            const child = spawn(process.execPath, [tsup, "--no-dts", "--format", "esm", "--no-clean", "--silent"], {
              cwd: join(ROOT, dir),
              stdio: ["ignore", "ignore", "inherit"],
            });
            child.on("exit", resolve);
            child.on("error", () => resolve(1));
          }),
      ),
    );
    return codes.every((code) => code === 0);
  } finally {
    rmSync(BUILD_LOCK, { recursive: true, force: true });
  }
}

/** A folder holding the builder's pid: a lock whose process is gone (killed mid-build) is taken over. */
function takeBuildLock() {
  try {
    mkdirSync(BUILD_LOCK);
    writeFileSync(join(BUILD_LOCK, "pid"), String(process.pid));
    return true;
  } catch (error) {
    if (error.code !== "EEXIST") throw error;
    if (alive(Number(readIfThere(join(BUILD_LOCK, "pid"))))) return false;
    // No pid yet may be a holder between mkdir and write: only a lock older than a second counts as left behind.
    if (!existsSync(join(BUILD_LOCK, "pid")) && Date.now() - statSync(BUILD_LOCK).mtimeMs < 1_000) return false;
    rmSync(BUILD_LOCK, { recursive: true, force: true });
    return takeBuildLock();
  }
}

function alive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === "EPERM";
  }
}

function readIfThere(path) {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}
