/** The JSON shapes of the compliance routes (snake_case on the wire) and their mapping from domain objects. */
import {
  type AuditEntry,
  CONSENT_PURPOSE_PATTERN,
  type Consent,
  MAX_CONSENT_CHANGES,
  USER_DATA_EXPORT_FORMAT,
} from "@vx/compliance";
import { z } from "zod";

const timestamp = z.iso.datetime({ offset: true });

export const auditEntrySchema = z
  .object({
    id: z.uuid(),
    user_id: z.uuid().nullable(),
    actor_id: z.uuid().nullable().describe("Who made the change: the user, or null for the system"),
    action: z.string().describe("`<resource_type>.<verb>`, e.g. `api_key.revoked`, `webhook.auto_disabled`"),
    resource_type: z.string(),
    resource_id: z.uuid().nullable(),
    metadata: z.record(z.string(), z.unknown()).describe("Labels and changed column names; never secrets"),
    created_at: timestamp.describe("UTC, microsecond precision"),
  })
  .meta({ id: "AuditLogEntry" });

export function auditEntryToJson(entry: AuditEntry): z.output<typeof auditEntrySchema> {
  return {
    id: entry.id,
    user_id: entry.userId,
    actor_id: entry.actorId,
    action: entry.action,
    resource_type: entry.resourceType,
    resource_id: entry.resourceId,
    metadata: entry.metadata,
    created_at: entry.createdAt,
  };
}

export const userDataExportSchema = z
  .object({
    format: z.literal(USER_DATA_EXPORT_FORMAT),
    user_id: z.uuid(),
    exported_at: timestamp,
    tables: z
      .record(z.string(), z.array(z.record(z.string(), z.unknown())))
      .describe("Every table holding your rows, by name; API-key hashes and webhook secrets are never included"),
  })
  .meta({ id: "UserDataExport" });

export const consentSchema = z
  .object({
    purpose: z.string(),
    granted: z.boolean(),
    granted_at: timestamp.nullable().describe("When last granted; kept after a withdrawal"),
    withdrawn_at: timestamp.nullable().describe("When withdrawn or declined; null while granted"),
    updated_at: timestamp,
  })
  .meta({ id: "Consent" });

export const consentsSchema = z.object({ data: z.array(consentSchema) }).meta({ id: "Consents" });

export const consentsBody = z.strictObject({
  consents: z
    .array(
      z.strictObject({
        purpose: z.string().regex(CONSENT_PURPOSE_PATTERN, "lowercase letters, digits and _ . : -, up to 64"),
        granted: z.boolean(),
      }),
    )
    .max(MAX_CONSENT_CHANGES)
    .describe("Purposes to grant or withdraw; purposes not listed are left as they are"),
});

export function consentToJson(consent: Consent): z.output<typeof consentSchema> {
  return {
    purpose: consent.purpose,
    granted: consent.granted,
    granted_at: consent.grantedAt?.toISOString() ?? null,
    withdrawn_at: consent.withdrawnAt?.toISOString() ?? null,
    updated_at: consent.updatedAt.toISOString(),
  };
}
