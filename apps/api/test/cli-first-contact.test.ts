// What a new user meets first: help that does nothing else, refused flags, and start-up failures as one line.
// Most cases run `main` in this process (a spawned CLI start costs about a CPU-second each); a few spawn the real
// `vx` to prove what only a process shows: its exit codes 0, 1 and 2, its real stderr, and that it ends.
import { spawn } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { listMigrationFiles, openDatabase } from "@vx/db";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { type MigrateArguments, migrateCommand } from "../src/commands/migrate.js";
import { startupFailure } from "../src/commands/startup-errors.js";
import { loadConfig } from "../src/config.js";
import { formatRecord } from "../src/logger.js";
import { serve } from "../src/serve.js";
import { runCommandInProcess, runVxInProcess } from "./support/in-process-command.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const CLI = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx/esm")).href;
const COMMANDS = ["serve", "migrate", "worker", "cleanup", "backup", "restore", "token"];

/** Spawns `vx …` in `cwd` with only the given variables, so anything it writes lands there. */
async function run(cwd: string, args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ["--import", TSX, CLI, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? "", TSX_TSCONFIG_PATH: `${ROOT}tsconfig.json`, LOG_LEVEL: "silent", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => {
    stdout += d;
  });
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  return { code, stdout: stdout.trim(), stderr: stderr.trim() };
}

describe("vx first contact", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "vx-first-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("prints a command's usage for --help or -h and does nothing else: no server, no file, no database", async () => {
    const cases = COMMANDS.flatMap((command) => [
      [command, "--help"],
      [command, "-h"],
    ]);
    // `backup --help` once wrote a file named --help, `cleanup --help` deleted rows, `serve --help` served.
    cases.push(["backup", "out.tar.gz", "--help"], ["restore", "in.tar.gz", "--force", "-h"]);
    for (const args of cases) {
      const result = await runVxInProcess(args, { VX_DATA_DIR: "data", PORT: "0" }, dir);
      expect(result.code, args.join(" ")).toBe(0);
      expect(result.stdout, args.join(" ")).toMatch(new RegExp(`^usage: vx ${args[0]}\\b`));
      expect(result.stderr, args.join(" ")).toBe("");
    }
    expect(await readdir(dir)).toEqual([]);
  });

  it("refuses unknown flags and unexpected arguments with one line and the command's usage", async () => {
    const cases = [
      ["serve", "--port", "3000"],
      ["cleanup", "--dry-run"],
      ["backup", "a.tar.gz", "b.tar.gz"],
      ["restore", "a.tar.gz", "--forse"],
      ["worker", "now"],
      ["token", "--usr", "x"],
      ["migrate", "up", "1", "2"],
    ];
    const results = [];
    for (const args of cases) results.push({ args, ...(await runVxInProcess(args, { VX_DATA_DIR: "data" }, dir)) });
    // `cleanup --dry-run` through a real process as well: exit code 2, and the usage on its stderr.
    results.push({ args: cases[1]!, ...(await run(dir, cases[1]!, { VX_DATA_DIR: "data" })) });
    for (const { args, ...result } of results) {
      expect(result.code, args.join(" ")).toBe(2);
      const [line, usage] = result.stderr.split("\n");
      expect(line, args.join(" ")).toMatch(/^vx: (unknown option "--[\w-]+"|unexpected argument "\S+") for \w+$/);
      expect(usage, args.join(" ")).toMatch(new RegExp(`^usage: vx ${args[0]}\\b`));
    }
    expect(await readdir(dir)).toEqual([]);
  }, 60_000);

  it("lists every environment variable in the top-level help", async () => {
    // Spawned: `vx --help` through the real executable, exit code 0 and stdout.
    const result = await run(dir, ["--help"]);
    expect(result.code).toBe(0);
    const names = ["PORT", "HOST", "DATABASE_URL", "DATABASE_MIGRATION_URL", "VX_DATA_DIR", "LOG_LEVEL"];
    // Read outside the validated config, and missing from the help until 2026-12-07.
    names.push("WEBHOOK_ALLOW_HTTP", "WEBHOOK_ALLOW_PRIVATE_URLS", "WEBHOOK_TIMEOUT_MS", "WEBHOOK_MAX_PAYLOAD_BYTES");
    names.push(
      "WEBHOOK_WORKER_BATCH_SIZE",
      "WEBHOOK_WORKER_MAX_IN_FLIGHT",
      "TWILIO_AUTH_TOKEN",
      "PUBLIC_URL",
      "VX_PGLITE_SNAPSHOT_DIR",
    );
    for (const name of names) {
      expect(result.stdout).toMatch(new RegExp(`^  ${name} +must `, "m"));
    }
  });

  it("reverts more than one migration only with --yes, and one without asking", async () => {
    // The command itself, so the four database opens cost no CLI start each; the flag is parsed below, by `main`.
    const own = await mkdtemp(join(tmpdir(), "vx-down-"));
    const config = loadConfig({ VX_DATA_DIR: join(own, "data"), LOG_LEVEL: "silent" });
    onTestFinished(() => rm(own, { recursive: true, force: true }));
    const files = await listMigrationFiles();
    const output = async (args: MigrateArguments) => {
      const { code, stdout, stderr } = await runCommandInProcess(() => migrateCommand(config, args));
      return { code, lines: [stdout, stderr].filter((text) => text !== "").flatMap((text) => text.split("\n")) };
    };

    // A migrated folder the quick way (the cached snapshot), where `vx migrate up` would run initdb first.
    await (await openDatabase({ dataDir: join(own, "data") })).close();
    expect(await output({ direction: "up" })).toEqual({ code: 0, lines: ["nothing to do"] });
    const refused = await output({ direction: "down", count: 999 });
    expect(refused.code).toBe(1);
    expect(refused.lines).toEqual([
      expect.stringMatching(
        /^vx: migrate down 999 would revert \d+ migrations \(\S+ back to 000_supabase_bootstrap, every one applied\), dropping the tables and columns they made with their rows: add --yes to go ahead$/,
      ),
    ]);
    expect(await output({ direction: "down" })).toEqual({ code: 0, lines: [expect.stringMatching(/^reverted /)] });
    // Everything but the one reverted above: the refused call reverted nothing.
    const all = await output({ direction: "down", count: 999, yes: true });
    expect(all.code).toBe(0);
    expect(all.lines).toHaveLength(files.length - 1);

    const parsed = await runVxInProcess(["migrate", "down", "2", "--yes"], { VX_DATA_DIR: "data" }, own);
    expect(parsed).toMatchObject({ code: 0, stdout: "nothing to do" });
  }, 60_000);

  describe("start-up failures", () => {
    let busy: Server;
    let busyPort: number;
    beforeAll(async () => {
      busy = createServer();
      await new Promise<void>((resolve) => busy.listen({ host: "127.0.0.1", port: 0 }, resolve));
      busyPort = (busy.address() as { port: number }).port;
    });
    afterAll(() => new Promise((resolve) => busy.close(resolve)));

    it("says in one line that the port is taken, naming PORT, before creating any data folder", async () => {
      const env = { HOST: "127.0.0.1", PORT: String(busyPort), VX_DATA_DIR: "data" };
      const result = await runVxInProcess(["serve"], env, dir);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        `vx: 127.0.0.1:${busyPort} is already in use: stop what holds it, or set PORT to another port`,
      );
      expect(await readdir(dir)).toEqual([]);
    });

    it("says in one line that HOST is not an address of this machine, before creating any data folder", async () => {
      // 192.0.2.1 is TEST-NET-1 (RFC 5737): never any machine's address. PORT 0 as well, which is always free.
      for (const port of ["0", "3999"]) {
        const result = await runVxInProcess(["serve"], { HOST: "192.0.2.1", PORT: port, VX_DATA_DIR: "data" }, dir);
        expect(result.code).toBe(1);
        expect(result.stderr).toBe(`vx: cannot listen on 192.0.2.1:${port}: HOST is not an address of this machine`);
      }
      expect(await readdir(dir)).toEqual([]);
    });

    it("refuses a wrong WEBHOOK_* setting in one line before creating any data folder, for serve and worker", async () => {
      const env = { WEBHOOK_TIMEOUT_MS: "0", PORT: "0", VX_DATA_DIR: "data" };
      // serve spawned: a wrong setting's exit code 1 and its one line on the real stderr.
      const results = { serve: await run(dir, ["serve"], env), worker: await runVxInProcess(["worker"], env, dir) };
      for (const [command, result] of Object.entries(results)) {
        expect(result.code, command).toBe(1);
        expect(result.stderr, command).toBe('vx: WEBHOOK_TIMEOUT_MS must be an integer from 100 to 120000, got "0"');
      }
      expect(await readdir(dir)).toEqual([]);
    });

    it("refuses a wrong PUBLIC_URL or TWILIO_AUTH_TOKEN in one line before creating any data folder", async () => {
      const cases = [
        [
          { PUBLIC_URL: "ivr.example.com" },
          'vx: PUBLIC_URL must be an http(s) URL such as https://ivr.example.com, got "ivr.example.com"',
        ],
        [
          { TWILIO_AUTH_TOKEN: "short" },
          "vx: TWILIO_AUTH_TOKEN must be your Twilio auth token, got a value of 5 characters",
        ],
      ] as const;
      for (const [variables, line] of cases) {
        const result = await runVxInProcess(["serve"], { ...variables, PORT: "0", VX_DATA_DIR: "data" }, dir);
        expect(result.code).toBe(1);
        expect(result.stderr).toBe(line);
      }
      expect(await readdir(dir)).toEqual([]);
    });

    it("names VX_DATA_DIR in one line when it names a file or goes through one, for every command that opens it", async () => {
      const file = join(dir, "not-a-folder");
      await writeFile(file, "a file\n");
      const cases = [
        ["serve", file],
        ["serve", join(file, "data")],
        ["token", file],
        ["cleanup", file],
        ["migrate", file, "status"],
      ];
      const results = [];
      for (const [command, dataDir, ...args] of cases) {
        results.push(await runVxInProcess([command!, ...args], { PORT: "0", VX_DATA_DIR: dataDir! }, dir));
      }
      for (const [i, result] of results.entries()) {
        const what = cases[i]!.join(" ");
        expect(result.code, what).toBe(1);
        expect(result.stderr.split("\n"), what).toHaveLength(1);
        expect(result.stderr, what).toMatch(/^vx: .*VX_DATA_DIR/);
      }
      expect(results[0]!.stderr).toContain("a file stands where a folder is needed");
      expect(await readdir(dir)).toEqual(["not-a-folder"]);
      await rm(file);
    }, 60_000);

    it("refuses migrations through a transaction pooler in one line naming DATABASE_MIGRATION_URL", async () => {
      const pooler = "postgresql://postgres.ref:s3cret@127.0.0.1:6543/postgres";
      const results = [
        await runVxInProcess(["migrate", "up"], { DATABASE_URL: pooler }, dir),
        await runVxInProcess(
          ["migrate", "down"],
          {
            DATABASE_URL: "postgresql://u@127.0.0.1:1/db",
            DATABASE_MIGRATION_URL: pooler,
          },
          dir,
        ),
      ];
      for (const result of results) {
        expect(result.code).toBe(1);
        expect(result.stderr.split("\n")).toHaveLength(1);
        expect(result.stderr).toMatch(
          /^vx: migrations cannot run through a transaction pooler \(127\.0\.0\.1:6543\): .*DATABASE_MIGRATION_URL/,
        );
        expect(result.stderr).not.toContain("s3cret");
      }
      const server = process.env.TEST_DATABASE_URL;
      if (!server) return;
      // vx serve on a new database through the pooler: refused in one line, nothing applied; with
      // DATABASE_MIGRATION_URL the same migrations run over the direct connection. Both as the commands' bodies: the
      // cases above prove how `main` prints such a refusal and parses migrate.
      const name = `vx_test_pooled_${process.pid}`;
      const direct = new URL(server);
      direct.pathname = `/${name}`;
      const pooled = `${direct.href}?pgbouncer=true`;
      const { runOnServer } = await import("@vx/db/testing");
      await runOnServer(server, `CREATE DATABASE ${name}`);
      try {
        const env = { DATABASE_URL: pooled, VX_DATA_DIR: join(dir, ".vx-data"), LOG_LEVEL: "silent" };
        const serving = await serve(loadConfig({ ...env, PORT: "0", SUPABASE_JWT_SECRET: "x".repeat(32) })).then(
          async (started) => {
            await started.shutdown();
            return "served";
          },
          (error: unknown) => error,
        );
        // What the CLI prints after "vx: " for it.
        const line = startupFailure(serving);
        expect(line).toMatch(/^migrations cannot run through a transaction pooler .*DATABASE_MIGRATION_URL/);
        expect(line!.split("\n")).toHaveLength(1);
        const migrated = await runCommandInProcess(() =>
          migrateCommand(loadConfig({ ...env, DATABASE_MIGRATION_URL: direct.href }), { direction: "up" }),
        );
        expect(migrated.code).toBe(0);
        expect(migrated.stdout).toMatch(/^applied {2}000_supabase_bootstrap$/m);
      } finally {
        await runOnServer(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      }
    }, 60_000);

    it("names DATABASE_URL in one line when Postgres refuses the connection or lacks the database", async () => {
      const refused = "postgresql://postgres:s3cret@127.0.0.1:1/vx";
      const cases = [refused];
      if (process.env.TEST_DATABASE_URL) {
        const missing = new URL(process.env.TEST_DATABASE_URL);
        missing.pathname = "/vx_no_such_database";
        cases.push(missing.href);
      }
      const env = (url: string) => ({ PORT: "0", DATABASE_URL: url, DATABASE_WAIT_TIMEOUT_MS: "0" });
      // The refused connection spawned: the process then ends by itself, with nothing left holding it open.
      const results = [await run(dir, ["serve"], env(refused))];
      for (const url of cases.slice(1)) results.push(await runVxInProcess(["serve"], env(url), dir));
      for (const result of results) {
        expect(result.code).toBe(1);
        expect(result.stderr.split("\n")).toHaveLength(1);
        expect(result.stderr).toMatch(/^vx: .*DATABASE_URL/);
        expect(result.stderr).not.toContain("s3cret");
      }
      if (results[1]) expect(results[1].stderr).toMatch(/database "vx_no_such_database" does not exist/);
    }, 60_000);
  });
});

describe("readable development logs", () => {
  it("show time, level, message and the key fields on one line", () => {
    const line = formatRecord({
      level: 30,
      time: Date.UTC(2030, 0, 1, 12, 0, 1, 234),
      pid: 1,
      hostname: "h",
      msg: "webhook delivered",
      deliveryId: "d1",
      status: 200,
      reason: "two words",
    });
    expect(line).toBe('12:00:01.234 INFO  webhook delivered deliveryId=d1 status=200 reason="two words"');
  });
});
