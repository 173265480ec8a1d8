// Says once per run which databases the suite runs on, so a skipped Postgres half is never silent.
let announced = false;

export default function announceTargets(): void {
  if (announced) return;
  announced = true;
  const url = process.env.TEST_DATABASE_URL;
  const line = url
    ? `database targets: PGlite + Postgres (${new URL(url).host})`
    : "database targets: PGlite only. Postgres half SKIPPED: set TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres to run it";
  console.log(`\n[vx] ${line}\n`);
}
