import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ConsentService } from "./consent-service.js";
import { MemoryComplianceStore, MemoryConsentRepository } from "./testing/memory-store.js";

const NOW = new Date("2031-06-15T12:00:00.000Z");

function setup() {
  const store = new MemoryComplianceStore();
  return { store, service: new ConsentService({ repository: new MemoryConsentRepository(store), now: () => NOW }) };
}

describe("ConsentService", () => {
  it("sets consents at the clock's time and returns all of them by purpose", async () => {
    const { service } = setup();
    const user = randomUUID();
    await service.setConsents(user, [{ purpose: "marketing_email", granted: true }]);
    const all = await service.setConsents(user, [{ purpose: "call_recording", granted: false }]);
    expect(all).toEqual([
      { purpose: "call_recording", granted: false, grantedAt: null, withdrawnAt: NOW, updatedAt: NOW },
      { purpose: "marketing_email", granted: true, grantedAt: NOW, withdrawnAt: null, updatedAt: NOW },
    ]);
    expect(await service.getConsents(user)).toEqual(all);
  });

  it("refuses bad purposes, repeated purposes, non-boolean grants and oversized changes, changing nothing", async () => {
    const { service } = setup();
    const user = randomUUID();
    const bad = [
      [{ purpose: "Marketing", granted: true }],
      [{ purpose: "", granted: true }],
      [{ purpose: "x".repeat(65), granted: true }],
      [
        { purpose: "a", granted: true },
        { purpose: "a", granted: false },
      ],
      [{ purpose: "a", granted: "yes" as unknown as boolean }],
      Array.from({ length: 51 }, (_, i) => ({ purpose: `p${i}`, granted: true })),
    ];
    for (const changes of bad) {
      await expect(service.setConsents(user, changes)).rejects.toMatchObject({ code: "INVALID_CONSENT" });
    }
    expect(await service.getConsents(user)).toEqual([]);
  });
});
