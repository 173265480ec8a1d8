// RetentionService: deletes what the retention policy says has expired, target by target, in bounded batches.
import { type BatchOptions, type BatchResult, deleteInBatches } from "./batches.js";
import type { RetentionRepository } from "./repositories.js";
import {
  assertBatchOptions,
  cutoffFor,
  RETENTION_TARGETS,
  type RetentionPolicy,
  type RetentionTarget,
  retentionPolicy,
} from "./retention-policy.js";

export interface RetentionServiceOptions extends BatchOptions {
  repository: RetentionRepository;
  now: () => Date;
  /** Overrides of DEFAULT_RETENTION; `null` keeps a target forever. */
  policy?: Partial<RetentionPolicy>;
}

export interface TargetCleanup extends BatchResult {
  target: RetentionTarget;
  /** Rows older than this were deleted. */
  cutoff: Date;
}

export interface CleanupReport {
  /** One entry per target the policy limits, in RETENTION_TARGETS order. */
  targets: TargetCleanup[];
  deleted: number;
  /** False when `maxBatches` left work for the next run on some target. */
  complete: boolean;
}

export class RetentionService {
  readonly policy: RetentionPolicy;
  private readonly repository: RetentionRepository;
  private readonly now: () => Date;
  private readonly batches: BatchOptions;

  constructor(options: RetentionServiceOptions) {
    this.policy = retentionPolicy(options.policy);
    assertBatchOptions(options);
    this.repository = options.repository;
    this.now = options.now;
    this.batches = { batchSize: options.batchSize, maxBatches: options.maxBatches };
  }

  /** One pass over every target; each batch is its own statement, so live traffic is never held up for long. */
  async cleanup(): Promise<CleanupReport> {
    const now = this.now();
    const targets: TargetCleanup[] = [];
    for (const target of RETENTION_TARGETS) {
      const days = this.policy[target];
      if (days === null) continue;
      const cutoff = cutoffFor(now, days);
      const result = await deleteInBatches(
        (limit) => this.repository.deleteExpiredBatch(target, cutoff, limit),
        this.batches,
      );
      targets.push({ target, cutoff, ...result });
    }
    return {
      targets,
      deleted: targets.reduce((sum, t) => sum + t.deleted, 0),
      complete: targets.every((t) => t.complete),
    };
  }
}
