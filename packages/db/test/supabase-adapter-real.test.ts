// @vx/db/supabase against a REAL Supabase project: the same contract suites and RLS checks as the stand-in run.
// Needs a throwaway project with the migrations pushed (`supabase db push`): the webhook suite truncates its
// tables. Without the variables below it is skipped, and test-setup/announce-targets.ts says so in one line.
import { randomUUID } from "node:crypto";
import { createClient } from "@supabase/supabase-js";
import { afterAll, describe, it } from "vitest";
import { Database } from "../src/index.js";
import { signJwt } from "./support/postgrest-subset/index.js";
import { describeSupabaseAdapter } from "./support/supabase/adapter-suites.js";

const REQUIRED = [
  "SUPABASE_URL",
  "SUPABASE_ANON_KEY",
  "SUPABASE_SERVICE_ROLE_KEY",
  // Signs users' tokens (Project Settings → API → JWT secret, the legacy HS256 one).
  "SUPABASE_JWT_SECRET",
  // The direct or session-pooler connection string: fixtures seed and read rows with plain SQL.
  "SUPABASE_DB_URL",
] as const;
const env = Object.fromEntries(REQUIRED.map((name) => [name, process.env[name]]));
const missing = REQUIRED.filter((name) => !env[name]);

if (missing.length > 0) {
  describe.skip(`Supabase adapter on a real Supabase project [SKIPPED: set ${missing.join(", ")}]`, () => {
    it("runs every contract suite through supabase-js", () => {});
  });
} else {
  describe("Supabase adapter on a real Supabase project", () => {
    const db = new Database({ kind: "postgres", url: env.SUPABASE_DB_URL!, poolSize: 4 });
    const admin = createClient(env.SUPABASE_URL!, env.SUPABASE_SERVICE_ROLE_KEY!, {
      auth: { persistSession: false, autoRefreshToken: false },
    });
    afterAll(() => db.close());

    describeSupabaseAdapter("real project", {
      url: () => env.SUPABASE_URL!,
      anonKey: () => env.SUPABASE_ANON_KEY!,
      serviceKey: () => env.SUPABASE_SERVICE_ROLE_KEY!,
      userToken: (userId) =>
        signJwt(
          { sub: userId, role: "authenticated", aud: "authenticated", exp: Math.floor(Date.now() / 1000) + 3600 },
          env.SUPABASE_JWT_SECRET!,
        ),
      // Through Supabase Auth's admin API, as sign-up would: auth.users belongs to Supabase there.
      createUser: async () => {
        const { data, error } = await admin.auth.admin.createUser({
          email: `vx-test-${randomUUID()}@example.com`,
          email_confirm: true,
        });
        if (error || !data.user) throw error ?? new Error("no user created");
        return data.user.id;
      },
      db: () => db,
    });
  });
}
