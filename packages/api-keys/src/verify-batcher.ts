// Coalesces concurrent verifications into one repository call (one SQL statement): the way past one round trip
// per request. Requests queue while earlier batches are in flight and go out together when one returns.
import type { VerificationOutcome, VerificationRequest } from "./repository.js";

export interface BatchingOptions {
  /** Most requests per statement; default 128. */
  maxBatchSize?: number;
  /**
   * Statements in flight at once; default 2. Low on purpose: verifications of one key serialise on its row lock
   * anyway, so more parallel statements only add lock waits, while fewer make each batch larger. Re-checked on
   * 2026-12-07 (bench/api-keys.ts, three alternating cycles): 2 beat 1 with the whole API and with named limits.
   */
  maxInFlight?: number;
  /**
   * A statement out longer than this (default 100 ms) counts as stalled, e.g. waiting for a row lock that some
   * long transaction holds, and frees one more slot: the other keys' verifications go on meanwhile.
   */
  stalledAfterMs?: number;
  /**
   * A statement goes out beside others only once it carries at least this share (default 0.5; 0 sends whatever is
   * queued as soon as a slot is free) of the larger of: the verifications in flight, and the batch that returned
   * last while others stayed in flight (its callers' next requests are what arrives now). Otherwise the first of
   * those requests takes the free slot alone, a whole statement and commit for one verification, while the rest
   * queue behind it: with 50 clients, half the statements carried one request, and small batches in flight kept
   * the next ones small. One request beside one request still goes at once, and what waits goes out when the
   * statements in flight have returned (or beside a stalled one): no request waits for more than those.
   */
  minShareOfInFlight?: number;
}

interface Pending<Req, Out> {
  request: Req;
  resolve(outcome: Out): void;
  reject(error: unknown): void;
}

/** Generic over the request and outcome: key verifications by default, and the standalone rate limiter's calls. */
export class VerifyBatcher<Req = VerificationRequest, Out = VerificationOutcome> {
  private readonly run: (requests: Req[]) => Promise<Out[]>;
  private readonly maxBatchSize: number;
  private readonly maxInFlight: number;
  private readonly stalledAfterMs: number;
  private readonly minShareOfInFlight: number;
  private queue: Pending<Req, Out>[] = [];
  private inFlight = 0;
  /** Verifications in the statements in flight. */
  private inFlightRequests = 0;
  /** Size of the batch that returned last while others stayed in flight; 0 once none is in flight. */
  private lastReturned = 0;
  /** Statements in flight for longer than stalledAfterMs: at most one of them adds a slot. */
  private stalled = 0;
  private scheduled = false;

  constructor(run: (requests: Req[]) => Promise<Out[]>, options: BatchingOptions = {}) {
    this.run = run;
    this.maxBatchSize = Math.max(1, options.maxBatchSize ?? 128);
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 2);
    this.stalledAfterMs = Math.max(1, options.stalledAfterMs ?? 100);
    this.minShareOfInFlight = Math.max(0, options.minShareOfInFlight ?? 0.5);
  }

  verify(request: Req): Promise<Out> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      // Deferred to a microtask so calls made in the same tick share a statement, without any timer delay.
      if (!this.scheduled) {
        this.scheduled = true;
        queueMicrotask(() => {
          this.scheduled = false;
          this.dispatch();
        });
      }
    });
  }

  private dispatch(): void {
    while (this.inFlight < this.maxInFlight + Math.min(1, this.stalled) && this.queue.length > 0) {
      const fairShare = this.minShareOfInFlight * Math.max(this.inFlightRequests, this.lastReturned);
      if (this.inFlight > 0 && this.stalled === 0 && this.queue.length < fairShare) return;
      const batch = this.queue.splice(0, this.maxBatchSize);
      this.inFlight++;
      this.inFlightRequests += batch.length;
      void this.send(batch);
    }
  }

  private async send(batch: Pending<Req, Out>[]): Promise<void> {
    let answer: () => void;
    let stalled = false;
    // A timer, not a clock: it needs no time source, and unref'd it never keeps a process alive.
    const watch = setTimeout(() => {
      stalled = true;
      this.stalled++;
      this.dispatch();
    }, this.stalledAfterMs);
    watch.unref?.();
    try {
      const outcomes = await this.run(batch.map((p) => p.request));
      if (outcomes.length !== batch.length) throw new Error("repository returned a wrong number of outcomes");
      answer = () => {
        for (const [i, p] of batch.entries()) p.resolve(outcomes[i]!);
      };
    } catch (error) {
      answer = () => {
        for (const p of batch) p.reject(error);
      };
    }
    clearTimeout(watch);
    if (stalled) this.stalled--;
    // The slot is freed and the requests queued meanwhile go out before this batch's callers run: otherwise the
    // database would wait while this process writes this batch's responses, on every batch.
    this.inFlight--;
    this.inFlightRequests -= batch.length;
    this.lastReturned = this.inFlight > 0 ? batch.length : 0;
    this.dispatch();
    answer();
  }
}
