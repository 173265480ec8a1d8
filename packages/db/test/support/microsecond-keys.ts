// Keys whose created_at differ only in microseconds, as SQL, a seed or an import makes them (the service writes
// milliseconds): listApiKeysPage must page them without skipping or repeating one, on every adapter.
import type { ApiKeyRepository, KeyPosition } from "@vx/api-keys";
import { expect } from "vitest";
import type { Database } from "../../src/index.js";

export async function expectMicrosecondKeysPagedExactly(
  db: Database,
  repository: Required<Pick<ApiKeyRepository, "listApiKeysPage">>,
  owner: string,
): Promise<void> {
  await db.query(
    `INSERT INTO public.api_keys (user_id, name, key_prefix, key_hash, created_at)
     SELECT $1::uuid, 'key ' || i, 'vx_' || lpad(to_hex(i), 7, '0'), md5(i || $1::text) || md5(-i || $1::text),
       '2031-06-01T12:00:00.000100Z'::timestamptz + make_interval(secs => (i % 4) / 1e6)
     FROM generate_series(1, 6) AS i`,
    [owner],
  );
  const expected = await db.query<{ id: string }>(
    "SELECT id FROM public.api_keys WHERE user_id = $1 ORDER BY created_at DESC, id DESC",
    [owner],
  );
  const seen: string[] = [];
  let after: KeyPosition | undefined;
  for (;;) {
    const page = await repository.listApiKeysPage(owner, { limit: 2, after });
    seen.push(...page.map((p) => p.key.id));
    if (page.length < 2) break;
    after = page[1]!.position;
  }
  expect(seen).toEqual(expected.rows.map((r) => r.id));
  // A Date would have said .000Z for all of them: the position keeps what Postgres holds.
  expect(after?.created_at).toMatch(/^2031-06-01T12:00:00\.00010\dZ$/);
}
