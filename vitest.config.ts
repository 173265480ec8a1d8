import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";
import projects from "./vitest.workspace.ts";

export default defineConfig({
  test: {
    projects,
    // Vitest's default (cores - 1) runs one file at a time on a 2-core machine, yet most of a file's time is spent
    // waiting on Postgres, spawned vx processes or a browser: two at a time took the whole suite (PGlite, Postgres,
    // standby, chromium) from about 9 minutes to under 6 here.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // A reporter, not a per-project globalSetup: it prints the database targets and the skipped files once a run.
    reporters: ["default", "./test-setup/announce-targets.ts"],
  },
});
