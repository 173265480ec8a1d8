// Two places decide which columns a GDPR export leaves out: SENSITIVE_COLUMN in @vx/compliance (the pg adapter and
// the in-memory store) and the regular expression inside vx_user_tables() (migration 010, the Supabase adapter's
// export). A user table with columns named to catch every edge of the rule must get the same answer from both.
import { SENSITIVE_COLUMN } from "@vx/compliance";
import { describeDatabases } from "@vx/db/testing";
import { expect, it } from "vitest";

const COLUMNS = [
  "secret",
  "webhook_secret",
  "secretary",
  "password",
  "password_changed_at",
  "token",
  "refresh_token",
  "tokens_used",
  "hash",
  "key_hash",
  "hashtag",
  "cash",
  "hash_algorithm",
  "notes",
];

describeDatabases("sensitive columns", ({ db }) => {
  it("vx_user_tables() and SENSITIVE_COLUMN leave out the same columns", async () => {
    // This file's database is its own: the probe table stays.
    await db().query(
      `CREATE TABLE public.vx_probe_sensitive (user_id uuid REFERENCES auth.users (id), ${COLUMNS.map((c) => `${c} text`).join(", ")})`,
    );
    const { rows } = await db().query<{ sensitive: string[] }>(
      "SELECT sensitive FROM public.vx_user_tables() WHERE table_name = 'vx_probe_sensitive'",
    );
    const expected = ["user_id", ...COLUMNS].filter((c) => SENSITIVE_COLUMN.test(c));
    expect(expected).toContain("key_hash");
    expect(expected).not.toContain("notes");
    expect(rows[0]!.sensitive).toEqual(expected);
  });
});
