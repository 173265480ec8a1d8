import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { GdprService } from "./gdpr-service.js";
import { MemoryComplianceStore, MemoryUserDataRepository } from "./testing/memory-store.js";
import { USER_DATA_EXPORT_FORMAT } from "./user-data.js";

const NOW = new Date("2031-06-15T12:00:00.000Z");

function setup() {
  const store = new MemoryComplianceStore();
  const service = new GdprService({ repository: new MemoryUserDataRepository(store), now: () => NOW });
  return { store, service };
}

describe("GdprService", () => {
  it("exports one document stamped with the clock, and records the export", async () => {
    const { store, service } = setup();
    const user = randomUUID();
    store.insert("ivr_menus", { user_id: user, name: "Main" });

    const doc = await service.exportUserData(user);

    expect(doc).toMatchObject({ format: USER_DATA_EXPORT_FORMAT, user_id: user, exported_at: NOW.toISOString() });
    expect(doc.tables.ivr_menus).toEqual([expect.objectContaining({ user_id: user, name: "Main" })]);
    expect(store.audit).toEqual([expect.objectContaining({ userId: user, action: "user_data.exported" })]);
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });

  it("erases under the SHA-256 of the user id", async () => {
    const { store, service } = setup();
    const user = "00000000-0000-4000-8000-00000000000a";
    store.insert("api_keys", { user_id: user, name: "k", key_hash: "h" });

    const report = await service.eraseUserData(user);

    const sha = "1ad35d608dd7b52a115ee45d1330f5f69327c1a3bd6dd5cc615c5d28ecbeab33";
    expect(report).toMatchObject({ userId: user, subjectSha256: sha, deleted: { api_keys: 1 } });
    expect(store.rows("api_keys")).toEqual([]);
    expect(store.audit).toEqual([
      expect.objectContaining({
        userId: null,
        actorId: null,
        action: "user_data.erased",
        metadata: expect.objectContaining({ subject_sha256: sha }),
      }),
    ]);
  });

  it("refuses a user id that is not a UUID", async () => {
    const { service } = setup();
    await expect(service.exportUserData("me")).rejects.toMatchObject({ code: "INVALID_USER_ID" });
    await expect(service.eraseUserData("")).rejects.toMatchObject({ code: "INVALID_USER_ID" });
  });
});
