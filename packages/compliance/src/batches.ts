// Deleting a backlog in short statements, so no table is locked for long however much there is to delete.

export interface BatchOptions {
  /** Rows per statement (default 1000). */
  batchSize?: number;
  /** Stop after this many statements (default: until done); the rest waits for the next run. */
  maxBatches?: number;
}

export interface BatchResult {
  deleted: number;
  batches: number;
  /** False when `maxBatches` stopped the work with rows left. */
  complete: boolean;
}

export const DEFAULT_BATCH_SIZE = 1000;

/** Calls `deleteBatch(batchSize)` until a batch comes back short, or `maxBatches` is reached. */
export async function deleteInBatches(
  deleteBatch: (limit: number) => Promise<number>,
  options: BatchOptions = {},
): Promise<BatchResult> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const maxBatches = options.maxBatches ?? Number.POSITIVE_INFINITY;
  let deleted = 0;
  let batches = 0;
  while (batches < maxBatches) {
    const n = await deleteBatch(batchSize);
    batches++;
    deleted += n;
    if (n < batchSize) return { deleted, batches, complete: true };
  }
  return { deleted, batches, complete: false };
}
