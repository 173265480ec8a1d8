// The `vx` CLI as a user runs it: clear one-line errors, development tokens, and the README walk-through end to end.
// Commands run through `main` in this process (a spawned CLI start costs about a CPU-second); the walk-through spawns
// the real `vx`, for what only a process shows: Ctrl-C, its exit code, its output.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanupCommand, restoreCommand } from "../src/commands/maintenance.js";
import { migrateCommand } from "../src/commands/migrate.js";
import { loadConfig } from "../src/config.js";
import { createJwtVerifier } from "../src/http/jwt.js";
import { serve } from "../src/serve.js";
import { relativeTo, signToken } from "../src/token.js";
import { runCommandInProcess, runVxInProcess } from "./support/in-process-command.js";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const CLI = join(ROOT, "apps/api/src/cli.ts");
const USER = "c1100000-0000-4000-8000-000000000007";
const SECRET = "cli-test-secret-0123456789-abcdefghijkl";

/** Runs `vx …` like `pnpm vx …` does (tsx from the repository root), with only the given variables set. */
function vx(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", CLI, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "silent", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

async function run(args: string[], env: Record<string, string> = {}) {
  const child = vx(args, env);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => {
    stdout += d;
  });
  child.stderr!.on("data", (d) => {
    stderr += d;
  });
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  return { code, stdout: stdout.trim(), stderr: stderr.trim() };
}

/** Resolves with the first stderr line matching `pattern`. */
function waitForLine(child: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let buffer = "";
    child.stderr!.on("data", (d) => {
      buffer += d;
      const match = pattern.exec(buffer);
      if (match) resolve(match);
    });
    child.on("close", (code) => reject(new Error(`vx exited with ${code} before printing ${pattern}: ${buffer}`)));
  });
}

describe("vx CLI", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "vx-cli-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("stops on a bad variable with one line naming it", async () => {
    const result = await runVxInProcess(["serve"], { PORT: "abc" });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('vx: PORT must be an integer between 0 and 65535 (0 picks a free port), got "abc"');
  });

  it("refuses to print a token when no secret exists yet, and says how to get one", async () => {
    const result = await runVxInProcess(["token", "--user", USER], { VX_DATA_DIR: join(dir, "empty") });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^vx: no JWT secret yet: set SUPABASE_JWT_SECRET, or run `pnpm start` once/);
  });

  it("prints a token signed with the configured secret, for the user, role and lifetime asked", async () => {
    const result = await runVxInProcess(["token", "--user", USER, "--role", "service_role", "--expires-in", "2h"], {
      SUPABASE_JWT_SECRET: SECRET,
    });
    expect(result.code).toBe(0);
    const verify = createJwtVerifier({ secret: SECRET, audience: "authenticated", now: () => new Date() });
    expect(await verify(result.stdout)).toMatchObject({ userId: USER, role: "service_role" });
    const claims = decodeJwt(result.stdout);
    expect(claims.exp! - claims.iat!).toBe(7200);
  });

  it("refuses bad arguments with the usage", async () => {
    const cases = [
      ["token", "--user", "bob"],
      ["token", "--role", "admin"],
      ["token", "--expires-in", "soon"],
      ["frobnicate"],
    ];
    for (const args of cases) {
      const result = await runVxInProcess(args, { SUPABASE_JWT_SECRET: SECRET });
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`^usage: vx ${args[0] === "token" ? "token" : "<command>"}`, "m"));
    }
  });

  it("walks the README: start with no config, get a token, call /v1/me, stop with Ctrl-C under pnpm", async () => {
    const env = { VX_DATA_DIR: join(dir, "data"), PORT: "0" };
    const server = vx(["serve"], env);
    try {
      // A first start says what it is doing before the slow step, not after.
      const [, url] = await waitForLine(
        server,
        /^creating the embedded database in \S+ \(first start only\)…\n[\s\S]*API reference: (http:\/\/\S+)\/docs\n/,
      );
      const token = await run(["token", "--user", USER], env);
      expect(token.code).toBe(0);
      const me = await fetch(`${url}/v1/me`, { headers: { authorization: `Bearer ${token.stdout}` } });
      expect(me.status).toBe(200);
      expect(await me.json()).toEqual({ user_id: USER, role: "authenticated", auth: "jwt" });
      expect((await fetch(`${url}/docs/`)).status).toBe(200);
    } finally {
      // Ctrl-C under `pnpm start`: SIGINT from the terminal, then pnpm's forwarded echo of it, a few ms later (pnpm
      // forwards on receipt). Not later: once the shutdown has finished, a SIGINT in the last ~30 ms of Node's own
      // process teardown (after the 'exit' event, no JS runs) ends the process with the signal's status, 130.
      server.kill("SIGINT");
      setTimeout(() => server.kill("SIGINT"), 5);
    }
    const code = await new Promise((resolve) => server.on("close", resolve));
    expect(code).toBe(0);
    // Drained to the end: the data folder is released for the next start.
    await expect(stat(join(env.VX_DATA_DIR, "vx.lock"))).rejects.toMatchObject({ code: "ENOENT" });
  }, 60_000);
});

describe("vx backup, restore and cleanup", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "vx-maint-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));
  // All in this process: a spawned CLI start costs seconds under a full run. `main` proves the wiring (arguments
  // passed on, exit code, one line): backup, restore and migrate status here, backup's pg_dump line below.
  const configFor = (dataDir: string, env: Record<string, string> = {}) =>
    loadConfig({ VX_DATA_DIR: dataDir, LOG_LEVEL: "silent", ...env });

  it("backs up the embedded database, refuses to restore over it, restores into a new folder, and cleans up", async () => {
    const data = join(dir, "data");
    const file = join(dir, "backup.tar.gz");
    const cleanup = await runCommandInProcess(() => cleanupCommand(configFor(data)));
    expect(cleanup.code).toBe(0);
    expect(cleanup.stdout).toMatch(/^audit_logs +deleted 0 in \d+ batches/m);
    expect(cleanup.stdout).toMatch(/^webhook_logs +deleted 0/m);
    expect(cleanup.stdout).toMatch(/^rate limiter identifiers \(idle for an hour\) pruned 0$/m);

    // Through `main`: the restores below read the file it names, so this proves the CLI passes the path on.
    expect((await runVxInProcess(["backup", file], { VX_DATA_DIR: data })).code).toBe(0);
    const over = await runVxInProcess(["restore", file], { VX_DATA_DIR: data });
    expect(over.code).toBe(1);
    expect(over.stderr).toMatch(/^vx: .* already holds a database: restore into an empty folder, or pass --force/);
    expect(over.stderr.split("\n")).toHaveLength(1);
    const restored = join(dir, "restored");
    expect((await runCommandInProcess(() => restoreCommand(configFor(restored), file, false))).code).toBe(0);
    const status = await runCommandInProcess(() => migrateCommand(configFor(restored), { direction: "status" }));
    expect(status.stdout).toMatch(/^applied {2}000_supabase_bootstrap/m);
    expect(status.stdout).not.toMatch(/pending/);
  }, 120_000);

  it("says which migrations a newer vx applied, in migrate status and when serve starts", async () => {
    const data = join(dir, "migrated-by-a-newer-vx");
    const { openDatabase } = await import("@vx/db");
    const db = await openDatabase({ dataDir: data });
    await db.query("INSERT INTO public.vx_migrations (name, run_on) VALUES ('999_from_a_newer_vx', now())");
    await db.close();
    const status = await runVxInProcess(["migrate", "status"], { VX_DATA_DIR: data });
    expect(status.stdout).toMatch(/^applied {2}999_from_a_newer_vx {2}\(not in this vx: a newer version applied it/m);
    expect(status.stdout).toMatch(/^applied {2}000_supabase_bootstrap$/m);
    // serve's start-up lines, printed in this process (the README walk-through above starts it through the CLI).
    const lines: string[] = [];
    const config = configFor(data, { PORT: "0", SUPABASE_JWT_SECRET: SECRET, VX_WORKERS: "off" });
    const server = await serve(config, { print: (line) => lines.push(line) });
    await server.shutdown();
    expect(lines.filter((line) => line.startsWith("note:"))).toEqual([
      "note: this database has 1 migration this vx does not know (999_from_a_newer_vx): a newer vx migrated it; upgrade this one",
    ]);
  }, 120_000);

  it("points Postgres users at pg_dump instead of copying files", async () => {
    const result = await runVxInProcess(["backup"], { DATABASE_URL: "postgresql://postgres@127.0.0.1:1/none" });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/pg_dump --format=custom/);
  });
});

describe("development tokens", () => {
  it("expire relative to the given clock", async () => {
    const now = new Date("2030-06-01T00:00:00Z");
    const claims = decodeJwt(await signToken({ userId: USER, secret: SECRET, now: () => now, expiresIn: "30m" }));
    expect(claims).toMatchObject({ sub: USER, aud: "authenticated", role: "authenticated", iat: now.getTime() / 1000 });
    expect(claims.exp).toBe(now.getTime() / 1000 + 1800);
  });

  it("accept the durations the CLI documents and nothing else", () => {
    expect(relativeTo(0, "90s")).toBe(90);
    expect(relativeTo(0, "7d")).toBe(604_800);
    expect(() => relativeTo(0, "1 week")).toThrow(/90s, 30m, 1h or 7d/);
  });
});
