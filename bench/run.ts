// `pnpm bench`: runs each benchmark entry below in its own process (one at a time: they share 2 cores), then writes
// bench/RESULTS.md from the machine description and each benchmark's section in bench/results/*.md.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import pg from "pg";

const dir = import.meta.dirname;
const resultsDir = join(dir, "results");
mkdirSync(resultsDir, { recursive: true });

const only = process.argv.slice(2);
// The entry files; each writes its own section to bench/results/<name>.md.
const ENTRIES = ["api.ts", "api-keys.ts", "webhooks.ts", "webhooks-catalog.ts", "ivr.ts", "scaling.ts"];
const present = new Set(readdirSync(dir));
const benches = ENTRIES.filter((f) => present.has(f)).filter(
  (f) => only.length === 0 || only.some((name) => f === `${name}.ts`),
);

await warnOfStandbys();

for (const file of benches) {
  console.log(`\n=== ${file}`);
  execFileSync("npx", ["tsx", join(dir, file)], { stdio: "inherit", env: { ...process.env, NODE_ENV: "production" } });
}

const sections = readdirSync(resultsDir)
  .filter((f) => f.endsWith(".md"))
  .sort()
  .map((f) => readFileSync(join(resultsDir, f), "utf8").trim());

const pkg = (name: string) => {
  try {
    return JSON.parse(readFileSync(join(dir, "..", "node_modules", name, "package.json"), "utf8")).version as string;
  } catch {
    return "n/a";
  }
};

const header = `# Benchmark results

Written by \`pnpm bench\` (one benchmark: \`pnpm bench <name>\`, e.g. \`pnpm bench api-keys\`). How we measure:
every figure beside a baseline measured in the same run, as a ratio; medians of at
least 3 runs with the range; load only on 127.0.0.1, bounded in count and time.

Machine of the latest run (${only.length ? only.join(", ") : "all"}): ${cpus().length} × ${cpus()[0]?.model ?? "unknown CPU"}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM,
Node ${process.version}; pg ${pkg("pg")}, undici ${pkg("undici")}, autocannon ${pkg("autocannon")}, pg-boss ${pkg("pg-boss")}.
Postgres: the machine's server at 127.0.0.1:5432 with its default configuration (unless a section says otherwise).
A section a later run did not repeat keeps the figures of the run that wrote it, possibly on another machine of this
size: compare ratios within a section, never absolute figures across sections.
`;

writeFileSync(join(dir, "RESULTS.md"), `${[header, ...sections].join("\n\n")}\n`);
console.log(`\nwrote ${join(dir, "RESULTS.md")} (${sections.length} sections)`);

/**
 * A standby streaming from the benchmarked server replays every write the benchmarks make, on the same cores: with the
 * one `.ci/run` leaves running (scripts/standby.sh), the api-keys figures fell to about a third. Said before anything
 * is measured, so nobody compares such figures with earlier ones.
 */
async function warnOfStandbys(): Promise<void> {
  const client = new pg.Client(process.env.BENCH_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres");
  try {
    await client.connect();
    const { rows } = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_replication");
    if (rows[0]!.n > 0) {
      console.warn(
        `bench: ${rows[0]!.n} standby(s) stream from the benchmarked server and replay its writes on these cores, which lowers every figure: stop them first (bash scripts/standby.sh down)`,
      );
    }
  } catch {
    // No server yet, or no rights to read pg_stat_replication: each benchmark reports its own connection problems.
  } finally {
    await client.end().catch(() => {});
  }
}
