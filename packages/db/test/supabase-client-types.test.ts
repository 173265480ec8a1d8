// What a Supabase user writes: `createClient<Database>(…)` with the generated types from @vx/db/supabase, the same
// client for the vx repositories and for the user's own queries. The type assertions are checked by `pnpm typecheck`
// (tsc reads the test files); the runtime half checks that the exports a user imports exist.

import { createClient } from "@supabase/supabase-js";
import type { Tables as RootTables, SupabaseDatabase } from "@vx/db";
import { describe, expect, expectTypeOf, it } from "vitest";
import {
  createSupabaseRepositories,
  type Database,
  type RpcArgs,
  type Tables,
  type TablesInsert,
  type VxSupabaseClient,
} from "../src/supabase/index.js";

describe("@vx/db/supabase's generated Database types", () => {
  // Never sends a request: building clients and queries is synchronous and offline.
  const client = createClient<Database>("http://127.0.0.1:9", "anon-key", { auth: { persistSession: false } });

  it("a createClient<Database>() client is what every repository takes", () => {
    expectTypeOf(client).toExtend<VxSupabaseClient>();
    const repositories = createSupabaseRepositories({ client });
    expect(Object.keys(repositories).sort()).toEqual(
      [
        "apiKeys",
        "audit",
        "consents",
        "eventTypes",
        "ivrMenus",
        "ivrSessions",
        "rateLimits",
        "retention",
        "webhooks",
      ].sort(),
    );
  });

  it("so is the client of a project whose own generated types add tables to these, and an untyped client", () => {
    type ProjectDatabase = {
      public: Omit<Database["public"], "Tables"> & {
        Tables: Database["public"]["Tables"] & {
          invoices: { Row: { id: string }; Insert: { id?: string }; Update: { id?: string }; Relationships: [] };
        };
      };
    };
    const project = createClient<ProjectDatabase>("http://127.0.0.1:9", "anon-key", {
      auth: { persistSession: false },
    });
    const untyped = createClient("http://127.0.0.1:9", "anon-key", { auth: { persistSession: false } });
    expectTypeOf(project).toExtend<VxSupabaseClient>();
    expectTypeOf(untyped).toExtend<VxSupabaseClient>();
    expect(createSupabaseRepositories({ client: project }).apiKeys).toBeDefined();
  });

  it("types the specification's tables, their rows and inserts, and the rpc functions", () => {
    expectTypeOf<Tables<"api_keys">["key_hash"]>().toEqualTypeOf<string>();
    expectTypeOf<Tables<"api_keys">["expires_at"]>().toEqualTypeOf<string | null>();
    expectTypeOf<Tables<"webhooks">["events"]>().toEqualTypeOf<string[]>();
    // Inserts leave out what has a default, and require what has none.
    expectTypeOf<TablesInsert<"ivr_menus">>().toHaveProperty("name").toEqualTypeOf<string>();
    expectTypeOf<TablesInsert<"ivr_menus">["id"]>().toEqualTypeOf<string | undefined>();
    // The adapters' rpc takes null for an argument that is "not given".
    expectTypeOf<RpcArgs<"vx_rotate_api_key">["p_user_id"]>().toEqualTypeOf<string | null>();
    // The root package exports the same types, the schema as SupabaseDatabase (Database is the connection class).
    expectTypeOf<SupabaseDatabase>().toEqualTypeOf<Database>();
    expectTypeOf<RootTables<"agents">>().toEqualTypeOf<Tables<"agents">>();

    const query = client.from("api_keys").select("id, key_prefix").eq("enabled", true);
    expect(query).toBeDefined();
    // @ts-expect-error: a table the schema does not have
    client.from("no_such_table");
    // @ts-expect-error: a column the table does not have
    client.from("api_keys").select("id").eq("no_such_column", 1);
  });
});
