import { afterEach, describe, expect, it, vi } from "vitest";
import type { VerificationOutcome, VerificationRequest } from "./repository.js";
import { type BatchingOptions, VerifyBatcher } from "./verify-batcher.js";

const reset = new Date("2031-01-01T01:00:00Z");
const request = (n: number): VerificationRequest => ({ keyHash: `h${n}`, scopes: [], cost: 1 });
const notFound = (): VerificationOutcome => ({
  code: "NOT_FOUND",
  key: null,
  windowCount: null,
  limits: [],
  identity: null,
  windowReset: reset,
});

/** A repository call that only returns when the test releases it, to hold batches "in flight". */
function gatedRun() {
  const calls: { requests: VerificationRequest[]; release(error?: Error): void }[] = [];
  const run = (requests: VerificationRequest[]) =>
    new Promise<VerificationOutcome[]>((resolve, reject) => {
      calls.push({ requests, release: (error) => (error ? reject(error) : resolve(requests.map(notFound))) });
    });
  return { calls, run };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("VerifyBatcher", () => {
  it("sends verifications made in the same tick as one repository call", async () => {
    const { calls, run } = gatedRun();
    const batcher = new VerifyBatcher(run);
    const pending = [1, 2, 3].map((n) => batcher.verify(request(n)));
    await flush();
    expect(calls.map((c) => c.requests.map((r) => r.keyHash))).toEqual([["h1", "h2", "h3"]]);
    calls[0]!.release();
    expect((await Promise.all(pending)).map((o) => o.code)).toEqual(["NOT_FOUND", "NOT_FOUND", "NOT_FOUND"]);
  });

  it("queues while the in-flight limit is reached and sends the queue as one batch when a call returns", async () => {
    const { calls, run } = gatedRun();
    const batcher = new VerifyBatcher(run, { maxInFlight: 1 });
    const first = batcher.verify(request(1));
    await flush();
    const later = [2, 3, 4].map((n) => batcher.verify(request(n)));
    await flush();
    expect(calls).toHaveLength(1);
    calls[0]!.release();
    await first;
    await flush();
    expect(calls[1]!.requests.map((r) => r.keyHash)).toEqual(["h2", "h3", "h4"]);
    calls[1]!.release();
    await Promise.all(later);
  });

  it("sends the queued batch before the returning batch's callers continue", async () => {
    // The database then works on the next batch while this process writes the previous batch's responses.
    const { calls, run } = gatedRun();
    const batcher = new VerifyBatcher(run, { maxInFlight: 1 });
    const first = batcher.verify(request(1));
    await flush();
    const second = batcher.verify(request(2));
    await flush();
    calls[0]!.release();
    await first;
    expect(calls.map((c) => c.requests.map((r) => r.keyHash))).toEqual([["h1"], ["h2"]]);
    calls[1]!.release();
    await second;
  });

  describe("when a statement stalls (e.g. on a row lock a long transaction holds)", () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it("sends the queue beside it after stalledAfterMs, one extra statement at most, and none once it returns", async () => {
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
      const { calls, run } = gatedRun();
      const batcher = new VerifyBatcher(run, { maxInFlight: 1 });
      const stuck = batcher.verify(request(1));
      await flush();
      const queued = batcher.verify(request(2));
      await flush();
      vi.advanceTimersByTime(99);
      await flush();
      expect(calls).toHaveLength(1);
      vi.advanceTimersByTime(1);
      await flush();
      expect(calls.map((c) => c.requests.map((r) => r.keyHash))).toEqual([["h1"], ["h2"]]);
      // Both out for longer than 100 ms now: still one extra slot, not two.
      const third = batcher.verify(request(3));
      vi.advanceTimersByTime(100);
      await flush();
      expect(calls).toHaveLength(2);
      calls[1]!.release();
      await queued;
      expect(calls.map((c) => c.requests.map((r) => r.keyHash))).toEqual([["h1"], ["h2"], ["h3"]]);
      calls[2]!.release();
      await third;
      calls[0]!.release();
      await stuck;
      // Nothing stalled any more: one at a time again.
      const [a, b] = [batcher.verify(request(4)), batcher.verify(request(5))];
      await flush();
      const c = batcher.verify(request(6));
      await flush();
      expect(calls.slice(3).map((x) => x.requests.map((r) => r.keyHash))).toEqual([["h4", "h5"]]);
      calls[3]!.release();
      await Promise.all([a, b]);
      calls[4]!.release();
      await c;
    });
  });

  describe("beside a statement in flight (maxInFlight 2, the default)", () => {
    /** A batch of four in flight, then one more request: the gated calls and the pending verifications. */
    async function fourThenOne(options?: BatchingOptions) {
      const { calls, run } = gatedRun();
      const batcher = new VerifyBatcher(run, options);
      const big = [1, 2, 3, 4].map((n) => batcher.verify(request(n)));
      await flush();
      const lone = batcher.verify(request(5));
      await flush();
      return { calls, batcher, big, lone };
    }

    it("sends one request beside one at once", async () => {
      const { calls, run } = gatedRun();
      const batcher = new VerifyBatcher(run);
      const first = batcher.verify(request(1));
      await flush();
      const second = batcher.verify(request(2));
      await flush();
      expect(calls.map((c) => c.requests.map((r) => r.keyHash))).toEqual([["h1"], ["h2"]]);
      for (const c of calls) c.release();
      await Promise.all([first, second]);
    });

    it("waits until the queue holds half as many as are in flight, then sends them together", async () => {
      const { calls, batcher, big, lone } = await fourThenOne();
      expect(calls).toHaveLength(1);
      const next = batcher.verify(request(6));
      await flush();
      expect(calls.map((c) => c.requests.map((r) => r.keyHash))).toEqual([
        ["h1", "h2", "h3", "h4"],
        ["h5", "h6"],
      ]);
      for (const c of calls) c.release();
      await Promise.all([...big, lone, next]);
    });

    it("sends what waits as soon as the statement in flight returns", async () => {
      const { calls, big, lone } = await fourThenOne();
      calls[0]!.release();
      await Promise.all(big);
      expect(calls.map((c) => c.requests.map((r) => r.keyHash))).toEqual([["h1", "h2", "h3", "h4"], ["h5"]]);
      calls[1]!.release();
      await lone;
    });

    it("after a large batch returns beside a small one, waits for half of the large one's size", async () => {
      // Its callers' next requests arrive one by one: the first does not take the free slot alone.
      const { calls, run } = gatedRun();
      const batcher = new VerifyBatcher(run);
      const big = [1, 2, 3, 4, 5, 6].map((n) => batcher.verify(request(n)));
      await flush();
      const small = [7, 8, 9].map((n) => batcher.verify(request(n)));
      await flush();
      expect(calls).toHaveLength(2);
      calls[0]!.release();
      await Promise.all(big);
      const next = [10, 11].map((n) => batcher.verify(request(n)));
      await flush();
      expect(calls).toHaveLength(2);
      const third = batcher.verify(request(12));
      await flush();
      expect(calls.map((c) => c.requests.map((r) => r.keyHash))).toEqual([
        ["h1", "h2", "h3", "h4", "h5", "h6"],
        ["h7", "h8", "h9"],
        ["h10", "h11", "h12"],
      ]);
      for (const c of calls.slice(1)) c.release();
      await Promise.all([...small, ...next, third]);
    });

    it("sends at once with minShareOfInFlight 0", async () => {
      const { calls, big, lone } = await fourThenOne({ minShareOfInFlight: 0 });
      expect(calls).toHaveLength(2);
      for (const c of calls) c.release();
      await Promise.all([...big, lone]);
    });
  });

  it("splits a queue longer than maxBatchSize, keeping arrival order", async () => {
    const { calls, run } = gatedRun();
    const batcher = new VerifyBatcher(run, { maxBatchSize: 2, maxInFlight: 3, minShareOfInFlight: 0 });
    const pending = [1, 2, 3, 4, 5].map((n) => batcher.verify(request(n)));
    await flush();
    expect(calls.map((c) => c.requests.map((r) => r.keyHash))).toEqual([["h1", "h2"], ["h3", "h4"], ["h5"]]);
    for (const c of calls) c.release();
    await Promise.all(pending);
  });

  it("fails only the requests of a failed call; later batches still go out", async () => {
    const { calls, run } = gatedRun();
    const batcher = new VerifyBatcher(run, { maxInFlight: 1 });
    const failing = batcher.verify(request(1));
    await flush();
    const next = batcher.verify(request(2));
    calls[0]!.release(new Error("connection lost"));
    await expect(failing).rejects.toThrow("connection lost");
    await flush();
    calls[1]!.release();
    await expect(next).resolves.toMatchObject({ code: "NOT_FOUND" });
  });

  it("rejects a batch whose repository answered with the wrong number of outcomes", async () => {
    const batcher = new VerifyBatcher(async () => []);
    await expect(batcher.verify(request(1))).rejects.toThrow(/wrong number of outcomes/);
  });
});
