/** `vx serve` and `vx worker` as separate processes, the way a process manager runs them, for multi-process tests. */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const CLI = fileURLToPath(new URL("../../src/cli.ts", import.meta.url));
// The tsx loader inside node itself (not the tsx CLI, whose extra process would not pass signals on).
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx/esm")).href;
// One data folder for every process a test file starts, as if they were all started from one directory: with
// DATABASE_URL it holds only the development webhook key, which they then share (and the repository stays clean).
const DATA_DIR = mkdtempSync(join(tmpdir(), "vx-process-"));

export interface VxProcess {
  command: "serve" | "worker";
  child: ChildProcess;
  /** `http://127.0.0.1:<port>` for `serve`. */
  url: string;
  /** The last 20 000 characters of stdout and stderr, for failure messages. */
  output(): string;
  /** SIGTERM, then the exit code (graceful shutdown exits 0). */
  stop(): Promise<number | null>;
}

/**
 * Starts `vx <command>` with only the given environment (plus PATH) and resolves once it is serving: `serve`
 * when it prints its URL, `worker` when it logs that the background workers run (needs LOG_LEVEL=info).
 * `onOutput` sees the output so far until then (e.g. to act on a start-up log line).
 */
export function startVx(
  command: "serve" | "worker",
  env: Record<string, string>,
  options: { onOutput?: (output: string) => void } = {},
): Promise<VxProcess> {
  const child = spawn(process.execPath, ["--import", TSX, CLI, command], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", TSX_TSCONFIG_PATH: `${ROOT}tsconfig.json`, VX_DATA_DIR: DATA_DIR, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const ready = command === "serve" ? /API reference: (http:\/\/\S+)\/docs/ : /"msg":"background workers running"/;
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
      options.onOutput?.(output);
      const match = ready.exec(output);
      if (!match) return;
      child.stdout!.off("data", onData).on("data", keep);
      child.stderr!.off("data", onData).on("data", keep);
      resolve({
        command,
        child,
        url: match[1] ?? "",
        output: () => output,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
          return exited;
        },
      });
    };
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    void exited.then((code) => reject(new Error(`vx ${command} exited (${code}) before it was ready:\n${output}`)));
  });
}
