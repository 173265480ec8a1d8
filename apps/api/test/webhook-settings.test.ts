// The webhook settings read from the environment: defaults, values, and errors that name the variable.
import { describe, expect, it } from "vitest";
import { webhookSettingsFromEnv } from "../src/routes/webhooks/settings.js";

describe("webhookSettingsFromEnv", () => {
  it("defaults to https only, public addresses, 256 KiB, 15 s, and claims of 50 with 100 in flight", () => {
    expect(webhookSettingsFromEnv({})).toEqual({
      allowHttp: false,
      allowPrivateUrls: false,
      maxPayloadBytes: 262_144,
      timeoutMs: 15_000,
      workerBatchSize: 50,
      workerMaxInFlight: 100,
    });
  });

  it("reads the worker's batch size, with twice as many in flight unless that is set too", () => {
    expect(webhookSettingsFromEnv({ WEBHOOK_WORKER_BATCH_SIZE: "100" })).toMatchObject({
      workerBatchSize: 100,
      workerMaxInFlight: 200,
    });
    expect(
      webhookSettingsFromEnv({ WEBHOOK_WORKER_BATCH_SIZE: "100", WEBHOOK_WORKER_MAX_IN_FLIGHT: "400" }),
    ).toMatchObject({ workerBatchSize: 100, workerMaxInFlight: 400 });
  });

  it("refuses a batch size out of range, or fewer in flight than one batch, naming the variable", () => {
    expect(() => webhookSettingsFromEnv({ WEBHOOK_WORKER_BATCH_SIZE: "0" })).toThrow(
      'WEBHOOK_WORKER_BATCH_SIZE must be an integer from 1 to 1000, got "0"',
    );
    expect(() =>
      webhookSettingsFromEnv({ WEBHOOK_WORKER_BATCH_SIZE: "100", WEBHOOK_WORKER_MAX_IN_FLIGHT: "50" }),
    ).toThrow('WEBHOOK_WORKER_MAX_IN_FLIGHT must be an integer from 100 to 10000, got "50"');
    expect(() => webhookSettingsFromEnv({ WEBHOOK_WORKER_MAX_IN_FLIGHT: "lots" })).toThrow(
      "WEBHOOK_WORKER_MAX_IN_FLIGHT must be an integer",
    );
  });
});
