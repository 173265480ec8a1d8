/** A `vx` command run in the test's own process: no CLI start per call (the CLI's wiring is spawned once). */
import { format } from "node:util";
import { vi } from "vitest";
import { main } from "../../src/command-line.js";

export interface CommandOutput {
  /** What the command returned: the CLI exits with it. */
  code: number;
  /** What it printed, through console or straight to the stream, trimmed as the spawning tests' `run` trims. */
  stdout: string;
  stderr: string;
}

/**
 * Runs `work` (e.g. `() => cleanupCommand(config)`) with its output captured: console.log and console.error, and
 * what is written straight to process.stdout and process.stderr (serve's progress lines), as a spawn would see it.
 * One at a time: the capture is the process's.
 */
export async function runCommandInProcess(work: () => Promise<number>): Promise<CommandOutput> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const spies = [
    vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
      stdout.push(`${format(...args)}\n`);
    }),
    vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
      stderr.push(`${format(...args)}\n`);
    }),
    vi.spyOn(process.stdout, "write").mockImplementation(writeInto(stdout)),
    vi.spyOn(process.stderr, "write").mockImplementation(writeInto(stderr)),
  ];
  try {
    const code = await work();
    return { code, stdout: stdout.join("").trim(), stderr: stderr.join("").trim() };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

/**
 * `vx <args>` run by `main` itself, with only the given variables (and LOG_LEVEL=silent, as the spawning tests set)
 * and, when `cwd` is given, relative paths resolved there as a spawn's would be.
 */
export async function runVxInProcess(
  args: string[],
  env: Record<string, string> = {},
  cwd?: string,
): Promise<CommandOutput> {
  const before = process.cwd();
  if (cwd) process.chdir(cwd);
  try {
    return await runCommandInProcess(() => main(args, { LOG_LEVEL: "silent", ...env }));
  } finally {
    process.chdir(before);
  }
}

/** A stream's `write` that keeps the chunk and reports it written. */
function writeInto(chunks: string[]) {
  return ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString());
    const done = rest.find((arg) => typeof arg === "function") as (() => void) | undefined;
    done?.();
    return true;
  }) as typeof process.stdout.write;
}
