// What an audit log entry holds, and the actions the database triggers and the GDPR service write.

/** One recorded change: who (`actorId`, null = system) did `action` to which resource of whose data (`userId`). */
export interface AuditEntry {
  id: string;
  /** Whose data the entry is about; null for entries about no live user (an erasure). */
  userId: string | null;
  /** auth.uid() of the request that made the change; null for system work. */
  actorId: string | null;
  /** `<resource_type>.<verb>`, e.g. `api_key.revoked`. */
  action: string;
  resourceType: string;
  resourceId: string | null;
  /** Labels (a key's name and prefix) and `changed` column names; never secrets or hashes. */
  metadata: Record<string, unknown>;
  /** Exact UTC timestamp, `YYYY-MM-DDTHH:MM:SS.ffffffZ`. */
  createdAt: string;
}

/** Where a page of a user's entries ends: entries are listed by (createdAt, id), newest first. */
export interface AuditPosition {
  createdAt: string;
  id: string;
}

/**
 * Actions written by the triggers of migration 007 and by the GDPR service. Services may name a change more
 * precisely (`api_key.rotated`, `webhook.secret_rotated`, `webhook.auto_disabled`) with the transaction-local
 * setting `vx.audit_action`, so the list is open: treat unknown actions as plain strings.
 */
export const AUDIT_ACTIONS = [
  "api_key.created",
  "api_key.updated",
  "api_key.revoked",
  "api_key.rotated",
  "api_key.deleted",
  "webhook.created",
  "webhook.updated",
  "webhook.secret_rotated",
  "webhook.auto_disabled",
  "webhook.deleted",
  "ivr_menu.created",
  "ivr_menu.updated",
  "ivr_menu.deleted",
  "agent.created",
  "agent.updated",
  "agent.deleted",
  "consent.granted",
  "consent.withdrawn",
  "user_data.exported",
  "user_data.erased",
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];
