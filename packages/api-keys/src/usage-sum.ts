// Several keys' hour buckets as one series: an identity's usage is the sum of its keys'.

import type { UsageBucket } from "./repository.js";
import type { OutcomeCounts } from "./types.js";

/** Buckets of the same hour added together (requests and every outcome), oldest hour first. */
export function sumUsageBuckets(buckets: Iterable<UsageBucket>): UsageBucket[] {
  const byHour = new Map<number, UsageBucket>();
  for (const bucket of buckets) {
    const sum = byHour.get(bucket.hour.getTime());
    if (!sum) {
      byHour.set(bucket.hour.getTime(), {
        hour: bucket.hour,
        requests: bucket.requests,
        outcomes: { ...bucket.outcomes },
      });
      continue;
    }
    sum.requests += bucket.requests;
    for (const outcome of Object.keys(sum.outcomes) as (keyof OutcomeCounts)[]) {
      sum.outcomes[outcome] += bucket.outcomes[outcome];
    }
  }
  return [...byHour.values()].sort((a, b) => a.hour.getTime() - b.hour.getTime());
}
