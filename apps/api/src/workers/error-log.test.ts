// Worker error logs: a bug is an error every time, a database outage a warning every 10 s with a count of the rest.
import { describe, expect, it } from "vitest";
import { workerErrorLog } from "./error-log.js";

const outage = () => Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });

function recorder() {
  const lines: { level: string; skipped?: number }[] = [];
  return {
    lines,
    log: {
      error: (obj: object) => lines.push({ level: "error", ...obj }),
      warn: (obj: { skipped?: number }) => lines.push({ level: "warn", skipped: obj.skipped }),
    } as never,
  };
}

describe("workerErrorLog", () => {
  it("warns about an outage once per 10 s, counting the errors it left out", () => {
    let clock = 0;
    const { lines, log } = recorder();
    const onError = workerErrorLog(log, "webhook delivery worker", () => clock);
    for (let i = 0; i <= 40; i++) {
      onError(outage());
      clock += 500;
    }
    expect(lines).toEqual([
      { level: "warn", skipped: 0 },
      { level: "warn", skipped: 19 },
      { level: "warn", skipped: 19 },
    ]);
  });

  it("logs every other error at once", () => {
    const { lines, log } = recorder();
    const onError = workerErrorLog(log, "webhook delivery worker", () => 0);
    onError(new Error("bug"));
    onError(new Error("bug"));
    expect(lines.map((l) => l.level)).toEqual(["error", "error"]);
  });
});
