// In-memory stand-ins for the compliance tables and the four repositories over them, for tests and prototypes.
import { randomUUID } from "node:crypto";
import type { AuditEntry, AuditPosition } from "../audit-entry.js";
import type { Consent, ConsentChange } from "../consent.js";
import type { AuditRepository, ConsentRepository, RetentionRepository, UserDataRepository } from "../repositories.js";
import type { RetentionTarget } from "../retention-policy.js";
import { exactTimestamp } from "../timestamps.js";
import { type ExportedTables, SENSITIVE_COLUMN } from "../user-data.js";

export type Row = Record<string, unknown>;

/**
 * Rows by table, shaped like the database's (snake_case). A row belongs to a user through its `user_id`,
 * or through a parent row for the tables in `children` (a webhook log through its webhook).
 */
export class MemoryComplianceStore {
  readonly tables = new Map<string, Row[]>();
  readonly audit: AuditEntry[] = [];
  readonly consents = new Map<string, Consent[]>();
  readonly children: Record<string, { parent: string; column: string }> = {
    webhook_logs: { parent: "webhooks", column: "webhook_id" },
  };

  rows(table: string): Row[] {
    let rows = this.tables.get(table);
    if (!rows) {
      rows = [];
      this.tables.set(table, rows);
    }
    return rows;
  }

  /** Stores a row; `id` is generated when missing. */
  insert(table: string, row: Row): Row {
    const stored = { id: randomUUID(), ...row };
    this.rows(table).push(stored);
    return stored;
  }

  addAuditEntry(entry: Omit<AuditEntry, "id"> & { id?: string }): AuditEntry {
    const stored = { ...entry, id: entry.id ?? randomUUID() };
    this.audit.push(stored);
    return stored;
  }

  ownedBy(table: string, userId: string): Row[] {
    const child = this.children[table];
    if (!child) return this.rows(table).filter((r) => r.user_id === userId);
    const parents = new Set(this.ownedBy(child.parent, userId).map((r) => r.id));
    return this.rows(table).filter((r) => parents.has(r[child.column]));
  }
}

/** Newest first by (createdAt, id): exact timestamps sort as strings. */
function newestFirst(a: { createdAt: string; id: string }, b: { createdAt: string; id: string }): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

function isAfter(entry: AuditEntry, after: AuditPosition): boolean {
  return newestFirst(entry, after) > 0;
}

function removeWhere<T>(list: T[], predicate: (item: T) => boolean, limit: number): number {
  let removed = 0;
  for (let i = 0; i < list.length && removed < limit; ) {
    if (predicate(list[i]!)) {
      list.splice(i, 1);
      removed++;
    } else {
      i++;
    }
  }
  return removed;
}

export class MemoryAuditRepository implements AuditRepository {
  constructor(private readonly store: MemoryComplianceStore) {}

  async listByUser(userId: string, options: { limit: number; after?: AuditPosition }): Promise<AuditEntry[]> {
    const after = options.after;
    return this.store.audit
      .filter((e) => e.userId === userId && (!after || isAfter(e, after)))
      .sort(newestFirst)
      .slice(0, options.limit)
      .map((e) => structuredClone(e));
  }

  async deleteBatchOlderThan(cutoff: Date, limit: number): Promise<number> {
    const before = exactTimestamp(cutoff);
    return removeWhere(this.store.audit, (e) => e.createdAt < before, limit);
  }
}

export class MemoryRetentionRepository implements RetentionRepository {
  constructor(private readonly store: MemoryComplianceStore) {}

  async deleteExpiredBatch(target: RetentionTarget, cutoff: Date, limit: number): Promise<number> {
    if (target === "audit_logs") return new MemoryAuditRepository(this.store).deleteBatchOlderThan(cutoff, limit);
    const column = target === "ivr_sessions" ? "ended_at" : "created_at";
    return removeWhere(
      this.store.rows(target),
      (row) => row[column] instanceof Date && (row[column] as Date).getTime() < cutoff.getTime(),
      limit,
    );
  }
}

export class MemoryUserDataRepository implements UserDataRepository {
  constructor(private readonly store: MemoryComplianceStore) {}

  async collect(userId: string): Promise<ExportedTables> {
    const tables: ExportedTables = {};
    for (const table of [...this.store.tables.keys()].sort()) {
      tables[table] = this.store.ownedBy(table, userId).map(redact);
    }
    tables.audit_logs = this.store.audit.filter((e) => e.userId === userId).map(auditRow);
    tables.consents = (this.store.consents.get(userId) ?? []).map((c) => consentRow(userId, c));
    return tables;
  }

  async recordExport(userId: string, at: Date): Promise<void> {
    this.store.addAuditEntry(systemEntry(userId, userId, "user_data.exported", at, {}));
  }

  async erase(userId: string, record: { subjectSha256: string; at: Date }): Promise<Record<string, number>> {
    const deleted: Record<string, number> = {};
    // Children first, as foreign keys would demand.
    const tables = [...this.store.tables.keys()].sort(
      (a, b) => Number(!this.store.children[a]) - Number(!this.store.children[b]),
    );
    for (const table of tables) {
      const owned = new Set(this.store.ownedBy(table, userId));
      deleted[table] = removeWhere(this.store.rows(table), (r) => owned.has(r), Number.POSITIVE_INFINITY);
    }
    deleted.consents = this.store.consents.get(userId)?.length ?? 0;
    this.store.consents.delete(userId);
    deleted.audit_logs = removeWhere(this.store.audit, (e) => e.userId === userId, Number.POSITIVE_INFINITY);
    this.store.addAuditEntry(
      systemEntry(null, null, "user_data.erased", record.at, { subject_sha256: record.subjectSha256, deleted }),
    );
    return deleted;
  }
}

export class MemoryConsentRepository implements ConsentRepository {
  constructor(private readonly store: MemoryComplianceStore) {}

  async list(userId: string): Promise<Consent[]> {
    return structuredClone(this.store.consents.get(userId) ?? []);
  }

  async apply(userId: string, changes: readonly ConsentChange[], at: Date): Promise<void> {
    const consents = this.store.consents.get(userId) ?? [];
    for (const { purpose, granted } of changes) {
      const current = consents.find((c) => c.purpose === purpose);
      if (current?.granted === granted) continue;
      const next: Consent = {
        purpose,
        granted,
        grantedAt: granted ? at : (current?.grantedAt ?? null),
        withdrawnAt: granted ? null : at,
        updatedAt: at,
      };
      if (current) Object.assign(current, next);
      else consents.push(next);
      this.store.addAuditEntry(
        systemEntry(userId, userId, granted ? "consent.granted" : "consent.withdrawn", at, { purpose }),
      );
    }
    this.store.consents.set(userId, consents);
  }
}

function systemEntry(
  userId: string | null,
  actorId: string | null,
  action: string,
  at: Date,
  metadata: Record<string, unknown>,
): Omit<AuditEntry, "id"> {
  const [resourceType = action] = action.split(".");
  return {
    userId,
    actorId,
    action,
    resourceType: resourceType === "user_data" ? "user" : resourceType,
    resourceId: null,
    metadata,
    createdAt: exactTimestamp(at),
  };
}

function redact(row: Row): Row {
  const out: Row = {};
  for (const [key, value] of Object.entries(row)) {
    if (SENSITIVE_COLUMN.test(key)) continue;
    out[key] = value instanceof Date ? value.toISOString() : value;
  }
  return out;
}

function auditRow(e: AuditEntry): Row {
  return {
    id: e.id,
    user_id: e.userId,
    actor_id: e.actorId,
    action: e.action,
    resource_type: e.resourceType,
    resource_id: e.resourceId,
    metadata: e.metadata,
    created_at: e.createdAt,
  };
}

function consentRow(userId: string, c: Consent): Row {
  return {
    user_id: userId,
    purpose: c.purpose,
    granted: c.granted,
    granted_at: c.grantedAt?.toISOString() ?? null,
    withdrawn_at: c.withdrawnAt?.toISOString() ?? null,
    updated_at: c.updatedAt.toISOString(),
  };
}
