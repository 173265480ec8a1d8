// Retry decisions: the schedule with jitter, Retry-After, 410 Gone and the webhook's retry cap.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_RETRY_SCHEDULE_MS,
  decideNext,
  parseRetryAfter,
  type RetryPolicy,
  retryDelayMs,
} from "./retry-policy.js";

const NOW = new Date("2030-01-01T00:00:00.000Z");
const exact: RetryPolicy = { schedule: DEFAULT_RETRY_SCHEDULE_MS, jitter: 0, random: () => 0.5 };
const failed = (status_code: number | null, retry_after: string | null = null) => ({ status_code, retry_after });

describe("decideNext", () => {
  it("treats any 2xx as delivered", () => {
    for (const status of [200, 201, 204, 299]) {
      expect(decideNext(failed(status), { attempt_number: 1, max_attempts: 8 }, exact, NOW).outcome).toBe("delivered");
    }
  });

  it("retries a failure after the schedule's delay: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h", () => {
    const delays = [1, 2, 3, 4, 5, 6, 7].map((attempt) => {
      const decision = decideNext(failed(500), { attempt_number: attempt, max_attempts: 8 }, exact, NOW);
      expect(decision.outcome).toBe("retry");
      return decision.next_attempt_at!.getTime() - NOW.getTime();
    });
    expect(delays).toEqual([5e3, 3e5, 18e5, 72e5, 18e6, 36e6, 36e6]);
  });

  it("gives up after max_attempts, and counts timeouts, 3xx and 4xx as failures", () => {
    for (const status of [null, 301, 400, 404, 500]) {
      expect(decideNext(failed(status), { attempt_number: 8, max_attempts: 8 }, exact, NOW).outcome).toBe("failed");
      expect(decideNext(failed(status), { attempt_number: 1, max_attempts: 8 }, exact, NOW).outcome).toBe("retry");
    }
  });

  it("disables the webhook on 410 Gone, at once", () => {
    const decision = decideNext(failed(410), { attempt_number: 1, max_attempts: 8 }, exact, NOW);
    expect(decision).toMatchObject({ outcome: "failed", disable_reason: expect.stringMatching(/410/) });
  });

  it("honours Retry-After on 429 and 503, and only there", () => {
    const next = (status: number, header: string) =>
      decideNext(
        failed(status, header),
        { attempt_number: 1, max_attempts: 8 },
        exact,
        NOW,
      ).next_attempt_at!.getTime() - NOW.getTime();
    expect(next(429, "120")).toBe(120_000);
    expect(next(503, new Date(NOW.getTime() + 60_000).toUTCString())).toBe(60_000);
    expect(next(500, "120")).toBe(5_000);
    expect(next(429, "soon")).toBe(5_000);
  });

  it("repeats the last delay when retry_count is longer than the schedule", () => {
    expect(retryDelayMs(15, exact)).toBe(36e6);
  });
});

describe("retryDelayMs jitter", () => {
  it("stays within ±20 % of the scheduled delay", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 7 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, r) => {
          const base = DEFAULT_RETRY_SCHEDULE_MS[attempt]!;
          const delay = retryDelayMs(attempt, { schedule: DEFAULT_RETRY_SCHEDULE_MS, jitter: 0.2, random: () => r });
          expect(delay).toBeGreaterThanOrEqual(Math.floor(base * 0.8));
          expect(delay).toBeLessThanOrEqual(Math.ceil(base * 1.2));
        },
      ),
    );
  });
});

describe("parseRetryAfter", () => {
  it("reads seconds and HTTP dates, clamps to 0..24 h, and ignores garbage", () => {
    expect(parseRetryAfter("0", NOW)).toBe(0);
    expect(parseRetryAfter("  30 ", NOW)).toBe(30_000);
    expect(parseRetryAfter(new Date(NOW.getTime() - 5000).toUTCString(), NOW)).toBe(0);
    expect(parseRetryAfter("999999999", NOW)).toBe(24 * 3600 * 1000);
    expect(parseRetryAfter("-5", NOW)).toBeUndefined();
    expect(parseRetryAfter(null, NOW)).toBeUndefined();
  });
});
