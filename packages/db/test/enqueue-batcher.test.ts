// EnqueueBatcher's failure handling, with a fake connection: a statement Postgres refused is retried event by
// event (nothing of it committed); a lost connection is not (the batch may have committed).
import type { EnqueueInput, EnqueueResult } from "@vx/webhooks";
import { expect, it } from "vitest";
import type { Queryable } from "../src/queryable.js";
import { EnqueueBatcher } from "../src/webhooks/enqueue-batcher.js";

const input = (n: number): EnqueueInput => ({
  user_id: `user-${n}`,
  agent_id: null,
  event: "call.started",
  body: "{}",
  idempotency_key: null,
  now: new Date(0),
});

function batcherFailingWith(error: unknown) {
  const alone: string[] = [];
  const db = { query: () => Promise.reject(error) } as unknown as Queryable;
  const batcher = new EnqueueBatcher(db, "batch", async (one): Promise<EnqueueResult> => {
    alone.push(one.user_id);
    return { event_id: `event-${one.user_id}`, deliveries: 1, duplicate: false };
  });
  return { batcher, alone };
}

it("retries each event alone when Postgres refused the batch", async () => {
  const refused = Object.assign(new Error("insert violates foreign key"), { severity: "ERROR", code: "23503" });
  const { batcher, alone } = batcherFailingWith(refused);
  const results = await Promise.all([1, 2, 3].map((n) => batcher.enqueue(input(n))));
  expect(results.map((r) => r.event_id)).toEqual(["event-user-1", "event-user-2", "event-user-3"]);
  expect(alone.sort()).toEqual(["user-1", "user-2", "user-3"]);
});

it("gives every caller the error, and sends nothing again, when the connection was lost", async () => {
  const lost = new Error("Connection terminated unexpectedly");
  const { batcher, alone } = batcherFailingWith(lost);
  const settled = await Promise.allSettled([1, 2, 3].map((n) => batcher.enqueue(input(n))));
  expect(settled.map((s) => (s.status === "rejected" ? s.reason : s.value))).toEqual([lost, lost, lost]);
  expect(alone).toEqual([]);
});

it("sends calls made in the same tick as one statement, with nothing left for a second flush", async () => {
  const statements: unknown[][] = [];
  const db = {
    query: async (_text: string, params: unknown[][]) => {
      statements.push(params[0]!);
      return { rows: params[0]!.map((_, i) => ({ ord: i + 1, event_id: `e${i}`, deliveries: 1, duplicate: false })) };
    },
  } as unknown as Queryable;
  const batcher = new EnqueueBatcher(db, "batch", () => Promise.reject(new Error("not alone")), { maxConcurrent: 2 });
  const results = await Promise.all([1, 2, 3].map((n) => batcher.enqueue(input(n))));
  expect(results.map((r) => r.event_id)).toEqual(["e0", "e1", "e2"]);
  expect(statements).toEqual([["user-1", "user-2", "user-3"]]);
});
