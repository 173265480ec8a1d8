// Outage or bug: which errors mean "the database is unavailable", and waiting for Postgres at start-up.
import { describe, expect, it } from "vitest";
import { DbError } from "./errors.js";
import { isDatabaseUnavailable, waitForDatabase } from "./wait-for-database.js";

const withCode = (code: string, message = "boom") => Object.assign(new Error(message), { code });
// Nothing listens on port 1: every connection is refused at once.
const REFUSING = "postgresql://postgres:s3cret-pw@127.0.0.1:1/vx";

describe("isDatabaseUnavailable", () => {
  it.each(["ECONNREFUSED", "ECONNRESET", "57P01", "57P02", "57P03", "53100", "53200", "53300", "08006", "08001"])(
    "calls %s an outage",
    (code) => {
      expect(isDatabaseUnavailable(withCode(code))).toBe(true);
    },
  );

  it.each(["Connection terminated unexpectedly", "timeout exceeded when trying to connect"])(
    "calls pg's code-less %j an outage",
    (message) => {
      expect(isDatabaseUnavailable(new Error(message))).toBe(true);
    },
  );

  it("finds the outage in a wrapped cause and in an AggregateError", () => {
    expect(isDatabaseUnavailable(new Error("claim failed", { cause: withCode("57P01") }))).toBe(true);
    expect(isDatabaseUnavailable(new AggregateError([withCode("ECONNREFUSED")], "connect failed"))).toBe(true);
  });

  it.each(["23505", "42601", "3D000", "28P01", "22P02"])("calls %s a bug or a refusal, not an outage", (code) => {
    expect(isDatabaseUnavailable(withCode(code))).toBe(false);
  });

  it("calls plain errors and non-errors no outage", () => {
    expect(isDatabaseUnavailable(new Error("undefined is not a function"))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
    expect(isDatabaseUnavailable("ECONNREFUSED")).toBe(false);
  });
});

describe("waitForDatabase", () => {
  it("retries with growing pauses, one line per try, then gives up naming host:port and never the password", async () => {
    let clock = 0;
    const pauses: number[] = [];
    const lines: string[] = [];
    const error = await waitForDatabase(REFUSING, {
      timeoutMs: 3_000,
      now: () => clock,
      sleep: async (ms) => {
        pauses.push(ms);
        clock += ms;
      },
      onRetry: (line) => lines.push(line),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DbError);
    expect(error).toMatchObject({ code: "database_unreachable" });
    const message = (error as Error).message;
    expect(message).toContain("127.0.0.1:1");
    expect(message).toContain("DATABASE_WAIT_TIMEOUT_MS");
    expect(message).not.toContain("s3cret-pw");
    expect(message).not.toContain("\n");
    expect(pauses).toEqual([250, 500, 1000, 1250]);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe("waiting for Postgres at 127.0.0.1:1/vx (try 1): ECONNREFUSED; next try in 0.3 s");
    for (const line of lines) expect(line).not.toContain("s3cret-pw");
  });

  it("tries once and does not wait when the limit is 0", async () => {
    const lines: string[] = [];
    await expect(waitForDatabase(REFUSING, { timeoutMs: 0, onRetry: (l) => lines.push(l) })).rejects.toMatchObject({
      code: "database_unreachable",
    });
    expect(lines).toEqual([]);
  });
});
