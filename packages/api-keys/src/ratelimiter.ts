// RateLimiter: the GCRA limits of API keys for anything that is not a key (an IP, a phone number, a user), exact
// across processes because the state lives in the store, and micro-batched like key verification.
import { ApiKeyError } from "./errors.js";
import type { RateLimitOutcome, RateLimitRepository, RateLimitRequest } from "./ratelimit-repository.js";
import { isUuid, validateLimitCall } from "./validation.js";
import { type BatchingOptions, VerifyBatcher } from "./verify-batcher.js";

export interface RateLimiterOptions {
  repository: RateLimitRepository;
  /** The user who owns the namespaces (their overrides apply); a call may name another with `owner`. */
  owner?: string;
  now?: () => Date;
  /** Coalesce concurrent calls into one statement (default on), as ApiKeyService does. */
  batching?: BatchingOptions | false;
}

export interface LimitOptions {
  /** Units per `duration_ms`; an override for the identifier replaces both. */
  limit: number;
  /** 1000 (1 s) to 30 days. */
  duration_ms: number;
  /** Default 1; 0 checks without counting. */
  cost?: number;
  owner?: string;
}

/** What `limit` answers: the same as the store's outcome. */
export type LimitResult = RateLimitOutcome;

export class RateLimiter {
  private readonly repository: RateLimitRepository;
  private readonly owner: string | undefined;
  private readonly now: () => Date;
  private readonly batcher: VerifyBatcher<RateLimitRequest, RateLimitOutcome> | undefined;

  constructor(options: RateLimiterOptions) {
    this.repository = options.repository;
    this.owner = options.owner;
    this.now = options.now ?? (() => new Date());
    this.batcher =
      options.batching === false
        ? undefined
        : new VerifyBatcher((requests) => this.repository.limit(requests, this.now()), options.batching);
  }

  /**
   * Counts `cost` against `identifier` in `namespace` if the GCRA limit allows it, in one statement. Same
   * semantics as a key's named limit: a burst of `limit`, then one unit every duration_ms / limit.
   */
  async limit(namespace: string, identifier: string, options: LimitOptions): Promise<LimitResult> {
    const owner = options.owner ?? this.owner;
    validateLimitCall({ namespace, identifier, ...options });
    if (!isUuid(owner)) throw ApiKeyError.invalid([{ field: "owner", message: "must be the owning user's UUID" }]);
    const request: RateLimitRequest = {
      userId: owner,
      namespace,
      identifier,
      limit: options.limit,
      duration_ms: options.duration_ms,
      cost: options.cost ?? 1,
    };
    const outcome = this.batcher
      ? await this.batcher.verify(request)
      : (await this.repository.limit([request], this.now()))[0]!;
    return { ...outcome };
  }
}
