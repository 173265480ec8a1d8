// Waiting for Postgres cannot fix every refusal: a missing database or an unknown role fails at once, naming DATABASE_URL.
import { waitForDatabase } from "@vx/db";
import { testPostgresUrl, withDatabase } from "@vx/db/testing";
import { describe, expect, it } from "vitest";

const serverUrl = testPostgresUrl();

describe.skipIf(!serverUrl)("waitForDatabase on a server that refuses us", () => {
  const refuses = async (url: string, reason: RegExp) => {
    const lines: string[] = [];
    const started = performance.now();
    const error = await waitForDatabase(url, { timeoutMs: 30_000, onRetry: (l) => lines.push(l) }).catch((e) => e);
    expect(error).toMatchObject({ name: "DbError", code: "database_refused" });
    expect((error as Error).message).toMatch(reason);
    expect((error as Error).message).toContain("check DATABASE_URL");
    expect(lines).toEqual([]);
    expect(performance.now() - started).toBeLessThan(5_000);
  };

  it("fails at once when the database does not exist", async () => {
    await refuses(
      withDatabase(serverUrl!, "vx_no_such_database"),
      /\/vx_no_such_database refused the connection \(3D000 /,
    );
  });

  it("fails at once when the role does not exist", async () => {
    const url = new URL(serverUrl!);
    url.username = "vx_no_such_role";
    url.password = "s3cret-pw";
    await refuses(url.toString(), /refused the connection \(28000 /);
    await expect(waitForDatabase(url.toString(), { timeoutMs: 0 })).rejects.not.toThrow(/s3cret-pw/);
  });

  it("returns at once when the server answers", async () => {
    await expect(waitForDatabase(serverUrl!, { timeoutMs: 0 })).resolves.toBeUndefined();
  });
});
