// Says once per run which databases the suite runs on, so a skipped Postgres half is never silent.
let announced = false;

export default function announceTargets(): void {
  if (announced) return;
  announced = true;
  const url = process.env.TEST_DATABASE_URL;
  const line = url
    ? `database targets: PGlite + Postgres (${new URL(url).host})`
    : "database targets: PGlite only. Postgres half SKIPPED: set TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres to run it";
  const supabase = process.env.SUPABASE_URL
    ? `Supabase adapter: stand-in + real project (${new URL(process.env.SUPABASE_URL).host})`
    : "Supabase adapter: PostgREST-subset stand-in only. Real Supabase run SKIPPED: set SUPABASE_URL, SUPABASE_ANON_KEY, SUPABASE_SERVICE_ROLE_KEY, SUPABASE_JWT_SECRET and SUPABASE_DB_URL to run it";
  console.log(`\n[vx] ${line}\n[vx] ${supabase}\n`);
}
