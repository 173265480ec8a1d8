/** The behaviour every EventTypeRepository adapter must show: run once per adapter (memory, PGlite, Postgres). */
import { beforeEach, describe, expect, it } from "vitest";
import type { EventTypeRepository } from "../event-catalog.js";
import { DEFAULT_EVENT_TYPES } from "../event-catalog.js";
import { eventType } from "../events.js";

const invoicePaid = eventType({
  name: "invoice.paid",
  description: "An invoice was paid.",
  schema: { type: "object", properties: { amount: { type: "integer" } } },
  example: { amount: 1 },
});

/** `factory` gives a repository holding the default event types only. */
export function describeEventTypeRepository(
  name: string,
  factory: () => EventTypeRepository | Promise<EventTypeRepository>,
): void {
  describe(`EventTypeRepository contract: ${name}`, () => {
    let repository: EventTypeRepository;

    beforeEach(async () => {
      repository = await factory();
    });

    it("starts with the built-in and operational event types", async () => {
      const types = await repository.listEventTypes();
      expect(types.sort(byName)).toEqual([...DEFAULT_EVENT_TYPES].sort(byName));
    });

    it("adds an event type with its schema and example, once per name", async () => {
      expect(await repository.createEventType(invoicePaid)).toEqual(invoicePaid);
      expect(await repository.createEventType({ ...invoicePaid, description: "again" })).toBeNull();
      expect((await repository.listEventTypes()).find((type) => type.name === "invoice.paid")).toEqual(invoicePaid);
    });

    it("updates only the given fields, null clearing the schema", async () => {
      await repository.createEventType(invoicePaid);
      const updated = await repository.updateEventType("invoice.paid", { schema: null, deprecated: true });
      expect(updated).toEqual({ ...invoicePaid, schema: null, deprecated: true });
      expect(await repository.updateEventType("no.such", { archived: true })).toBeNull();
    });

    it("keeps a boolean schema and a scalar example as they were given", async () => {
      const type = eventType({ name: "ping", description: "Ping.", schema: true, example: "hello" });
      expect(await repository.createEventType(type)).toEqual(type);
    });
  });
}

function byName(a: { name: string }, b: { name: string }): number {
  return a.name.localeCompare(b.name);
}
