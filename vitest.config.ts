import { defineConfig } from "vitest/config";
import projects from "./vitest.workspace.ts";

export default defineConfig({
  test: {
    projects,
    // A reporter, not a per-project globalSetup: it prints the database targets and the skipped files once a run.
    reporters: ["default", "./test-setup/announce-targets.ts"],
  },
});
