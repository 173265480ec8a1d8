// @vx/db/supabase through supabase-js against the PostgREST-subset stand-in (test/support/postgrest-subset: NOT
// PostgREST, a documented subset of it) over PGlite and Postgres: every contract suite and RLS with user JWTs.
// The same suites run against a real Supabase project in supabase-adapter-real.test.ts.
import { createUser, describeDatabases } from "@vx/db/testing";
import { afterAll, beforeAll } from "vitest";
import { type PostgrestSubset, signJwt, startPostgrestSubset } from "./support/postgrest-subset/index.js";
import { describeSupabaseAdapter } from "./support/supabase/adapter-suites.js";

const JWT_SECRET = "stand-in-jwt-secret-at-least-32-characters";
const HOUR = 3600;

describeDatabases("Supabase adapter via the PostgREST-subset stand-in", ({ db, target }) => {
  let standIn: PostgrestSubset | undefined;
  beforeAll(async () => {
    standIn = await startPostgrestSubset({ pool: db().pool, jwtSecret: JWT_SECRET });
  });
  afterAll(() => standIn?.close());

  describeSupabaseAdapter(target, {
    url: () => standIn!.url,
    // Supabase's legacy API keys are JWTs of these roles, signed with the project's JWT secret.
    anonKey: () => signJwt({ role: "anon", iss: "supabase" }, JWT_SECRET),
    serviceKey: () => signJwt({ role: "service_role", iss: "supabase" }, JWT_SECRET),
    userToken: (userId) =>
      signJwt(
        { sub: userId, role: "authenticated", aud: "authenticated", exp: Math.floor(Date.now() / 1000) + HOUR },
        JWT_SECRET,
      ),
    createUser: () => createUser(db()),
    db,
  });
});
