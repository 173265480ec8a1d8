// vitest globalSetup of the console project: builds the console when a source is newer than the last build (about
// 0.1 s), once, before any test file starts a server that serves it.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export default function buildConsole(): void {
  const dir = fileURLToPath(new URL("../..", import.meta.url));
  execFileSync(process.execPath, ["scripts/build.mjs", "--if-stale"], { cwd: dir, stdio: "inherit" });
}
