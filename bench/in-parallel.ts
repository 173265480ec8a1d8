/** Runs work(0) … work(total - 1) in `lanes` concurrent loops: each lane takes the next index when it is free. */
export async function inParallel(total: number, lanes: number, work: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < total) await work(next++);
    }),
  );
}
