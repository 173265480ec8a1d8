// Assertions the example makes about what the packages return: a mismatch throws, and main exits 1.
import assert from "node:assert/strict";

/** Prints what was checked, so a CI log shows how far the example got. */
export function check(label: string, condition: boolean, detail?: unknown): void {
  assert.ok(condition, `${label}${detail === undefined ? "" : `: ${JSON.stringify(detail)}`}`);
  console.log(`  ok  ${label}`);
}

export function checkEqual<T>(label: string, actual: T, expected: T): void {
  assert.deepEqual(actual, expected, label);
  console.log(`  ok  ${label}`);
}

/** Resolves with the error a promise rejects with; fails the check when it resolves. */
export async function rejection(label: string, promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  assert.fail(`${label}: expected a rejection`);
}
