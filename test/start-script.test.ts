// `pnpm start`, the README's first command, runs the API and stops it gracefully when its process manager
// sends SIGTERM to pnpm (no orphaned server left holding the port and the embedded database).
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

it("serves on the embedded database and shuts down gracefully on SIGTERM to pnpm", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "vx-start-"));
  const child = spawn("pnpm", ["start"], {
    cwd: ROOT,
    env: { ...process.env, PORT: "0", VX_DATA_DIR: dataDir, LOG_LEVEL: "info", VX_WORKERS: "off" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (match) resolve(match[1]!);
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
      child.on("exit", () => reject(new Error(`pnpm start exited early:\n${output}`)));
    });
    expect((await fetch(`${url}/health`)).status).toBe(200);
    // pnpm start builds the console when it is missing or stale, and the banner says where it is.
    await expect.poll(() => output).toContain(`Console: ${url}/console/`);
    expect((await fetch(`${url}/console/`)).status).toBe(200);

    child.kill("SIGTERM");
    expect(await exited, output).toBe(0);
    expect(output).toMatch(/"msg":"shut down"/);
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  } finally {
    child.kill("SIGKILL");
    await rm(dataDir, { recursive: true, force: true });
  }
}, 60_000);
