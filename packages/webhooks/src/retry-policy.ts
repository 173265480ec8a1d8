/** When a failed attempt is tried again: the schedule with jitter, Retry-After, 410 Gone and the attempt cap. */
import type { AttemptOutcome } from "./model.js";
import type { Random } from "./system.js";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Delay before attempt n+1 is entry n (entry 0 is the first attempt: immediately); the last entry repeats. */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [
  0,
  5 * SECOND,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
  10 * HOUR,
];
export const DEFAULT_JITTER = 0.2;
/** A Retry-After further away than this is cut to it, so a receiver cannot park a message forever. */
export const MAX_RETRY_AFTER_MS = 24 * HOUR;

export interface RetryPolicy {
  schedule: readonly number[];
  /** Fraction of each delay added or removed at random (0.2 = ±20 %). */
  jitter: number;
  random: Random;
}

export interface AttemptResult {
  status_code: number | null;
  retry_after: string | null;
}

export interface Decision {
  outcome: AttemptOutcome;
  next_attempt_at: Date | null;
  disable_reason: string | null;
}

export function decideNext(
  result: AttemptResult,
  attempt: { attempt_number: number; max_attempts: number },
  policy: RetryPolicy,
  now: Date,
): Decision {
  const status = result.status_code;
  if (status !== null && status >= 200 && status < 300) return done("delivered");
  if (status === 410) return { ...done("failed"), disable_reason: "the endpoint answered 410 Gone" };
  if (attempt.attempt_number >= attempt.max_attempts) return done("failed");
  const retryAfter = status === 429 || status === 503 ? parseRetryAfter(result.retry_after, now) : undefined;
  const delay = retryAfter ?? retryDelayMs(attempt.attempt_number, policy);
  return { outcome: "retry", next_attempt_at: new Date(now.getTime() + delay), disable_reason: null };
}

/** The delay after failed attempt `attemptNumber` (1-based), jittered. */
export function retryDelayMs(attemptNumber: number, policy: RetryPolicy): number {
  const { schedule } = policy;
  const base = schedule[Math.min(attemptNumber, schedule.length - 1)] ?? 0;
  const factor = 1 + policy.jitter * (2 * policy.random() - 1);
  return Math.max(0, Math.round(base * factor));
}

/** Retry-After as delta-seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  // delta-seconds, or an HTTP date (which always names a weekday or month).
  const ms = /^\d+$/.test(text)
    ? Number(text) * SECOND
    : /[a-z]/i.test(text)
      ? Date.parse(text) - now.getTime()
      : Number.NaN;
  if (Number.isNaN(ms)) return undefined;
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

function done(outcome: AttemptOutcome): Decision {
  return { outcome, next_attempt_at: null, disable_reason: null };
}
