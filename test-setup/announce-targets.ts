/**
 * A vitest reporter (registered once in vitest.config.ts, so it speaks once per run however many projects run):
 * at the start it says which databases the suite runs on; at the end it lists every test file with skipped
 * parts and why. A suite or test says why it is skipped in its name, `… [SKIPPED: set X to run]` or
 * `… [postgres: SKIPPED, set TEST_DATABASE_URL to run]`; other skips (it.skip, a -t filter) are only counted.
 */
import { relative } from "node:path";
import type { Reporter, TestCase, TestModule, TestSuite } from "vitest/node";

const SKIP_REASON = /\[([^\]]*SKIPPED[^\]]*)\]/;

export function targetLines(env: Record<string, string | undefined> = process.env): string[] {
  const url = env.TEST_DATABASE_URL;
  const database = url
    ? `database targets: PGlite + Postgres (${new URL(url).host})`
    : "database targets: PGlite only. Postgres half SKIPPED: set TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres to run it";
  const supabase = env.SUPABASE_URL
    ? `Supabase adapter: stand-in + real project (${new URL(env.SUPABASE_URL).host})`
    : "Supabase adapter: PostgREST-subset stand-in only. Real Supabase run SKIPPED: set SUPABASE_URL, SUPABASE_ANON_KEY, SUPABASE_SERVICE_ROLE_KEY, SUPABASE_JWT_SECRET and SUPABASE_DB_URL to run it";
  const standby = env.TEST_STANDBY_URL
    ? `read replica: real streaming standby (${new URL(env.TEST_STANDBY_URL).host})`
    : "read replica: read-only stand-in only. Real standby SKIPPED: run `scripts/standby.sh up` (as root or postgres) and set TEST_STANDBY_URL to what it prints";
  return url ? [database, standby, supabase] : [database, supabase];
}

/** The reason a skipped test gives, in its own name or the nearest suite's. */
function reasonOf(test: TestCase): string | undefined {
  let node: TestCase | TestSuite | TestModule = test;
  while (node.type !== "module") {
    const match = SKIP_REASON.exec(node.name);
    if (match) return match[1];
    node = node.parent;
  }
  return undefined;
}

/** One line per file with skipped tests: how many, and each reason given. */
export function skipLines(modules: ReadonlyArray<TestModule>): string[] {
  const lines: string[] = [];
  let unexplained = 0;
  for (const module of modules) {
    const reasons = new Map<string, number>();
    for (const test of module.children.allTests("skipped")) {
      const reason = reasonOf(test);
      if (reason === undefined) unexplained++;
      else reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    if (reasons.size === 0) continue;
    const all = [...module.children.allTests()].length;
    const skipped = [...reasons.values()].reduce((sum, n) => sum + n, 0);
    const why = [...reasons].map(([reason, n]) => `${n} for "${reason}"`).join("; ");
    const share = skipped === all ? `all ${all}` : `${skipped} of ${all}`;
    lines.push(`  ${relative(process.cwd(), module.moduleId)}: ${share} tests skipped (${why})`);
  }
  if (lines.length === 0) return [];
  lines.sort();
  const tail = unexplained > 0 ? [`  (${unexplained} more tests skipped by it.skip or a -t filter)`] : [];
  return [`skipped tests, by file (${lines.length} files):`, ...lines, ...tail];
}

export default class AnnounceTargets implements Reporter {
  onInit(): void {
    console.log(
      `\n${targetLines()
        .map((line) => `[vx] ${line}`)
        .join("\n")}\n`,
    );
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const lines = skipLines(modules);
    if (lines.length > 0) console.log(`\n${lines.map((line) => `[vx] ${line}`).join("\n")}\n`);
  }
}
