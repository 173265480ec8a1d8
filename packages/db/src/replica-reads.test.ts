import type pg from "pg";
import { describe, expect, it } from "vitest";
import { WriteFence } from "./replica-reads.js";

/** A primary whose WAL position queries answer when the test says so. */
function fakePrimary() {
  const pending: Array<(lsn: string) => void> = [];
  const pool = {
    query: () => new Promise((resolve) => pending.push((lsn) => resolve({ rows: [{ lsn }] }))),
  } as unknown as pg.Pool;
  return { pool, pending };
}

describe("WriteFence", () => {
  it("shares one query between callers that arrive before it starts, never one already running", async () => {
    const { pool, pending } = fakePrimary();
    const fence = new WriteFence(pool);
    const first = fence.current();
    // These two arrive while the first query runs: it may have read the position before their writes.
    const second = fence.current();
    const third = fence.current();
    expect(pending).toHaveLength(1);
    pending.shift()?.("0/10");
    expect(await first).toBe("0/10");
    await new Promise((resolve) => setImmediate(resolve));
    expect(pending).toHaveLength(1);
    pending.shift()?.("0/20");
    expect([await second, await third]).toEqual(["0/20", "0/20"]);
  });

  it("fails a read on a WAL position that is not an LSN rather than comparing garbage", async () => {
    const { pool, pending } = fakePrimary();
    const read = new WriteFence(pool).current();
    pending.shift()?.("0/1'; DROP TABLE x; --");
    await expect(read).rejects.toThrow(/unexpected WAL position/);
  });
});
