// The run's skip report: each file with skipped tests on one line, with the reason its suites give.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { TestModule } from "vitest/node";
import { skipLines, targetLines } from "../test-setup/announce-targets.ts";

type Node = { type: "module" | "suite" | "test"; name: string; parent?: Node; skipped?: boolean };

/** A stand-in for vitest's TestModule: just what the reporter reads. */
function fakeModule(file: string, suites: Record<string, boolean[]>): TestModule {
  const module: Node = { type: "module", name: file };
  const tests: Node[] = [];
  for (const [suiteName, skips] of Object.entries(suites)) {
    const suite: Node = { type: "suite", name: suiteName, parent: module };
    skips.forEach((skipped, i) => {
      tests.push({ type: "test", name: `test ${i}`, parent: suite, skipped });
    });
  }
  return {
    moduleId: join(process.cwd(), file),
    children: {
      *allTests(state?: string) {
        for (const test of tests) if (state === undefined || (state === "skipped") === test.skipped) yield test;
      },
    },
  } as unknown as TestModule;
}

describe("the skip report", () => {
  it("names each file with skipped tests, how many of its tests, and the reason its suites give", () => {
    const lines = skipLines([
      fakeModule("apps/api/test/a.test.ts", {
        "checks [pglite]": [false, false],
        "checks [postgres: SKIPPED, set TEST_DATABASE_URL to run]": [true, true],
      }),
      fakeModule("packages/db/test/real.test.ts", { "real project [SKIPPED: set SUPABASE_URL]": [true] }),
      fakeModule("apps/api/test/none.test.ts", { "all run": [false] }),
    ]);
    expect(lines).toEqual([
      "skipped tests, by file (2 files):",
      '  apps/api/test/a.test.ts: 2 of 4 tests skipped (2 for "postgres: SKIPPED, set TEST_DATABASE_URL to run")',
      '  packages/db/test/real.test.ts: all 1 tests skipped (1 for "SKIPPED: set SUPABASE_URL")',
    ]);
  });

  it("counts skips that give no reason (it.skip, a -t filter) without listing them, and says nothing when none", () => {
    const filtered = fakeModule("x.test.ts", { "plain [SKIPPED: no reason needed]": [true], other: [true, true] });
    expect(skipLines([filtered]).at(-1)).toBe("  (2 more tests skipped by it.skip or a -t filter)");
    expect(skipLines([fakeModule("y.test.ts", { other: [true] })])).toEqual([]);
  });

  it("says which databases the run covers", () => {
    expect(targetLines({})[0]).toMatch(
      /^database targets: PGlite only\. Postgres half SKIPPED: set TEST_DATABASE_URL=/,
    );
    expect(targetLines({ TEST_DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/postgres" })[0]).toBe(
      "database targets: PGlite + Postgres (127.0.0.1:5432)",
    );
  });
});
