// The event catalog: operator-defined types, payload schemas checked at trigger time, wildcards and reloading.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { isWebhookError, type WebhookErrorCode } from "./errors.js";
import { DEFAULT_EVENT_TYPES, defineEventTypes, EventCatalog, MemoryEventTypeRepository } from "./event-catalog.js";
import { subscriptionsFor } from "./events.js";
import { WebhookService } from "./service.js";
import { manualClock } from "./testing/manual-clock.js";
import { MemoryWebhookRepository } from "./testing/memory-repository.js";

const invoicePaid = {
  name: "invoice.paid",
  description: "An invoice was paid.",
  schema: {
    type: "object",
    required: ["invoice_id", "amount"],
    properties: { invoice_id: { type: "string" }, amount: { type: "integer", minimum: 0 } },
  },
  example: { invoice_id: "in_1", amount: 100 },
};

async function failure(promise: Promise<unknown>): Promise<{ code: WebhookErrorCode; details: unknown }> {
  try {
    await promise;
  } catch (error) {
    if (isWebhookError(error)) return { code: error.code, details: error.details };
    throw error;
  }
  throw new Error("expected a WebhookError");
}

describe("defineEventTypes", () => {
  it("keeps the built-in event types beside the operator's", async () => {
    const names = (await defineEventTypes([invoicePaid]).list()).map((type) => type.name);
    expect(names).toEqual([...DEFAULT_EVENT_TYPES.map((type) => type.name), "invoice.paid"].sort());
  });

  it("refuses an invalid schema, a bad name or an example its schema rejects, when defined", () => {
    const code = (work: () => unknown) => {
      try {
        work();
      } catch (error) {
        return isWebhookError(error) ? error.code : "other";
      }
      return "defined";
    };
    expect(code(() => defineEventTypes([{ ...invoicePaid, schema: { type: "money" } }]))).toBe("invalid_schema");
    const { example: _example, ...withoutExample } = invoicePaid;
    expect(code(() => defineEventTypes([{ ...withoutExample, schema: { type: "money" } }]))).toBe("invalid_schema");
    expect(code(() => defineEventTypes([{ ...invoicePaid, name: "invoice..paid" }]))).toBe("invalid_input");
    expect(code(() => defineEventTypes([{ ...invoicePaid, example: { invoice_id: 1 } }]))).toBe("invalid_input");
  });
});

describe("EventCatalog", () => {
  it("refuses a payload its schema rejects, naming every failing path", async () => {
    const catalog = defineEventTypes([invoicePaid]);
    const refused = await failure(catalog.checkEvent("invoice.paid", { invoice_id: 7 }));
    expect(refused.code).toBe("invalid_payload");
    expect(refused.details).toMatchObject({
      errors: [
        { path: "/amount", message: "is required" },
        { path: "/invoice_id", message: "must be string" },
      ],
    });
    await expect(catalog.checkEvent("invoice.paid", invoicePaid.example)).resolves.toMatchObject({
      name: "invoice.paid",
    });
  });

  it("refuses unknown and archived event types, and still accepts deprecated ones", async () => {
    const catalog = defineEventTypes([
      { name: "old.thing", description: "Old.", deprecated: true },
      { name: "gone.thing", description: "Gone.", archived: true },
    ]);
    expect((await failure(catalog.checkEvent("no.such", {}))).code).toBe("unknown_event");
    expect((await failure(catalog.checkEvent("gone.thing", {}))).code).toBe("unknown_event");
    await expect(catalog.checkEvent("old.thing", {})).resolves.toMatchObject({ deprecated: true });
    expect((await catalog.list()).map((type) => type.name)).not.toContain("gone.thing");
    expect((await catalog.list({ includeArchived: true })).map((type) => type.name)).toContain("gone.thing");
  });

  it("accepts wildcard subscriptions that match a known event type, and refuses the others", async () => {
    const catalog = defineEventTypes();
    await expect(catalog.checkSubscriptions(["call.*", "ivr.session.*", "call.started"])).resolves.toEqual([
      "call.*",
      "ivr.session.*",
      "call.started",
    ]);
    expect((await failure(catalog.checkSubscriptions(["invoice.*"]))).code).toBe("unknown_event");
    expect((await failure(catalog.checkSubscriptions(["*"]))).code).toBe("unknown_event");
    expect(subscriptionsFor("ivr.session.started")).toEqual(["ivr.session.started", "ivr.session.*", "ivr.*"]);
  });

  it("reads the repository once per refresh period, and at once for a name another process just defined", async () => {
    const clock = manualClock(new Date("2030-01-01T00:00:00Z"));
    const repository = new MemoryEventTypeRepository();
    let reads = 0;
    const counting = Object.assign(Object.create(repository), {
      listEventTypes: () => {
        reads++;
        return repository.listEventTypes();
      },
    });
    const mine = new EventCatalog({ repository: counting, now: clock.now });
    const theirs = new EventCatalog({ repository, now: clock.now });
    for (let i = 0; i < 10; i++) await mine.checkEvent("call.started", {});
    expect(reads).toBe(1);
    await theirs.define(invoicePaid);
    clock.advance(1_000);
    await expect(mine.checkEvent("invoice.paid", invoicePaid.example)).resolves.toMatchObject({ name: "invoice.paid" });
    expect(reads).toBe(2);
  });

  it("applies a schema change made through the catalog to the next event", async () => {
    const catalog = defineEventTypes([invoicePaid]);
    await catalog.update("invoice.paid", { schema: { type: "object", required: ["currency"] }, example: null });
    expect((await failure(catalog.checkEvent("invoice.paid", invoicePaid.example))).details).toMatchObject({
      errors: [{ path: "/currency" }],
    });
    expect((await failure(catalog.define(invoicePaid))).code).toBe("event_type_exists");
    expect((await failure(catalog.update("no.such", { deprecated: true }))).code).toBe("event_type_not_found");
  });
});

describe("WebhookService with a catalog", () => {
  it("delivers an operator's event to a wildcard subscription, and refuses a payload its schema rejects", async () => {
    const repository = new MemoryWebhookRepository();
    const userId = randomUUID();
    const service = new WebhookService({ repository, eventTypes: defineEventTypes([invoicePaid]) });
    await service.createWebhook({ user_id: userId, url: "https://example.com/hook", events: ["invoice.*"] });
    await expect(service.triggerEvent("invoice.paid", invoicePaid.example, { userId })).resolves.toMatchObject({
      deliveries: 1,
    });
    expect((await failure(service.triggerEvent("invoice.paid", {}, { userId }))).code).toBe("invalid_payload");
  });
});
