/** A `vx` command's body run in the test's own process: no CLI start per call (the CLI's wiring is spawned once). */
import { format } from "node:util";
import { vi } from "vitest";

export interface CommandOutput {
  /** What the command returned: the CLI exits with it. */
  code: number;
  /** What it printed with console.log and console.error, trimmed as the spawning tests' `run` trims. */
  stdout: string;
  stderr: string;
}

/** Runs `work` (e.g. `() => cleanupCommand(config)`) with console.log and console.error captured. */
export async function runCommandInProcess(work: () => Promise<number>): Promise<CommandOutput> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    stdout.push(format(...args));
  });
  const error = vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
    stderr.push(format(...args));
  });
  try {
    const code = await work();
    return { code, stdout: stdout.join("\n").trim(), stderr: stderr.join("\n").trim() };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}
