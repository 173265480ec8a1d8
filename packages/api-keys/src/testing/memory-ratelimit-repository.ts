// MemoryRateLimitRepository: the standalone limiter's port in process memory, the reference of its contract suite.
import { type GcraState, gcra } from "../limits.js";
import type {
  OverrideListOptions,
  RateLimitOutcome,
  RateLimitOverride,
  RateLimitRepository,
  RateLimitRequest,
} from "../ratelimit-repository.js";
import { byteOrder } from "./text-order.js";

type OverrideKey = { namespace: string; identifier: string };

const keyOf = (userId: string, namespace: string, identifier: string) => `${userId} ${namespace} ${identifier}`;

/** Each method runs synchronously between awaits, so each is atomic, as the SQL function's row locks make it. */
export class MemoryRateLimitRepository implements RateLimitRepository {
  private readonly states = new Map<string, GcraState>();
  private readonly overrides = new Map<string, RateLimitOverride>();

  async limit(requests: readonly RateLimitRequest[], now: Date): Promise<RateLimitOutcome[]> {
    return requests.map((r) => {
      const key = keyOf(r.userId, r.namespace, r.identifier);
      const override = this.overrides.get(key);
      const limit = override?.limit ?? r.limit;
      const duration = override?.duration_ms ?? r.duration_ms;
      const g = gcra(this.states.get(key) ?? null, limit, duration, r.cost, now.getTime());
      if (g.allowed) this.states.set(key, g.state);
      const outcome: RateLimitOutcome = {
        success: g.allowed,
        limit,
        duration_ms: duration,
        remaining: g.remaining,
        reset: g.reset,
        overridden: override !== undefined,
      };
      if (g.retryAt !== undefined) outcome.retryAt = g.retryAt;
      return outcome;
    });
  }

  async setOverride(override: RateLimitOverride): Promise<RateLimitOverride> {
    this.overrides.set(keyOf(override.user_id, override.namespace, override.identifier), { ...override });
    return { ...override };
  }

  async listOverrides(userId: string, options: OverrideListOptions = {}): Promise<RateLimitOverride[]> {
    const { namespace, after, limit } = options;
    const order = (a: OverrideKey, b: OverrideKey) =>
      byteOrder(a.namespace, b.namespace) || byteOrder(a.identifier, b.identifier);
    return [...this.overrides.values()]
      .filter((o) => o.user_id === userId && (namespace === undefined || o.namespace === namespace))
      .filter((o) => after === undefined || order(o, after) > 0)
      .sort(order)
      .slice(0, limit)
      .map((o) => ({ ...o }));
  }

  async deleteOverride(userId: string, namespace: string, identifier: string): Promise<boolean> {
    return this.overrides.delete(keyOf(userId, namespace, identifier));
  }

  async pruneIdle(idleBefore: Date, limit: number): Promise<number> {
    const before = BigInt(idleBefore.getTime());
    let pruned = 0;
    for (const [key, state] of this.states) {
      if (pruned >= limit) break;
      if (state.tat <= before * BigInt(state.limit)) {
        this.states.delete(key);
        pruned++;
      }
    }
    return pruned;
  }
}
