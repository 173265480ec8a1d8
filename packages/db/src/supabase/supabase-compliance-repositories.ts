// The @vx/compliance ports through PostgREST: audit pages, retention batches, consents, GDPR export and erasure,
// each one rpc to the SQL function that does the work in one statement or one transaction.
import type {
  AuditEntry,
  AuditPosition,
  AuditRepository,
  Consent,
  ConsentChange,
  ConsentRepository,
  ExportedTables,
  RetentionRepository,
  RetentionTarget,
  UserDataRepository,
} from "@vx/compliance";
import { type AuditRow, toAuditEntry } from "../compliance/audit-row.js";
import { data, iso, rpc, type VxSupabaseClient } from "./postgrest.js";

/** On a user's client RLS limits listing to that user's entries; clean-up needs the service-role client. */
export class SupabaseAuditRepository implements AuditRepository {
  constructor(private readonly client: VxSupabaseClient) {}

  async listByUser(userId: string, options: { limit: number; after?: AuditPosition }): Promise<AuditEntry[]> {
    const rows = await data<AuditRow[]>(
      rpc(this.client, "vx_audit_page", {
        p_user_id: userId,
        p_limit: options.limit,
        p_after_created_at: options.after?.createdAt ?? null,
        p_after_id: options.after?.id ?? null,
      }),
    );
    return rows.map(toAuditEntry);
  }

  deleteBatchOlderThan(cutoff: Date, limit: number): Promise<number> {
    return deleteExpiredBatch(this.client, "audit_logs", cutoff, limit);
  }
}

/** System work: give it the service-role client. Each batch is its own request, so its own short transaction. */
export class SupabaseRetentionRepository implements RetentionRepository {
  constructor(private readonly client: VxSupabaseClient) {}

  deleteExpiredBatch(target: RetentionTarget, cutoff: Date, limit: number): Promise<number> {
    return deleteExpiredBatch(this.client, target, cutoff, limit);
  }
}

function deleteExpiredBatch(client: VxSupabaseClient, target: string, cutoff: Date, limit: number): Promise<number> {
  return data<number>(
    client.rpc("vx_delete_expired_batch", { p_target: target, p_cutoff: iso(cutoff), p_limit: limit }),
  );
}

interface ConsentRow {
  purpose: string;
  granted: boolean;
  granted_at: string | null;
  withdrawn_at: string | null;
  updated_at: string;
}

const date = (value: string | null) => (value === null ? null : new Date(value));

/** On a user's client RLS confines it to that user's consents. */
export class SupabaseConsentRepository implements ConsentRepository {
  constructor(private readonly client: VxSupabaseClient) {}

  async list(userId: string): Promise<Consent[]> {
    const rows = await data<ConsentRow[]>(
      this.client
        .from("consents")
        .select("purpose,granted,granted_at,withdrawn_at,updated_at")
        .eq("user_id", userId)
        .order("purpose"),
    );
    return rows.map((r) => ({
      purpose: r.purpose,
      granted: r.granted,
      grantedAt: date(r.granted_at),
      withdrawnAt: date(r.withdrawn_at),
      updatedAt: new Date(r.updated_at),
    }));
  }

  async apply(userId: string, changes: readonly ConsentChange[], at: Date): Promise<void> {
    await data<number>(
      this.client.rpc("vx_apply_consents", {
        p_user_id: userId,
        p_purposes: changes.map((c) => c.purpose),
        p_granted: changes.map((c) => c.granted),
        p_at: iso(at),
      }),
    );
  }
}

export interface SupabaseUserDataClients {
  /** The client carrying this user's JWT: the export runs as the user, so RLS bounds it to their rows. */
  asUser(userId: string): VxSupabaseClient | Promise<VxSupabaseClient>;
  /** The service-role client: records the export and erases (users may not delete their audit trail). */
  service: VxSupabaseClient;
}

export class SupabaseUserDataRepository implements UserDataRepository {
  constructor(private readonly clients: SupabaseUserDataClients) {}

  /** One statement on the server (one snapshot), as the user; the function refuses a request without a user. */
  async collect(userId: string): Promise<ExportedTables> {
    const client = await this.clients.asUser(userId);
    return data<ExportedTables>(client.rpc("vx_export_user_data", { p_user_id: userId }));
  }

  async recordExport(userId: string, at: Date): Promise<void> {
    await data<unknown>(
      this.clients.service.from("audit_logs").insert({
        user_id: userId,
        actor_id: userId,
        action: "user_data.exported",
        resource_type: "user",
        resource_id: userId,
        metadata: {},
        created_at: iso(at),
      }),
    );
  }

  async erase(userId: string, record: { subjectSha256: string; at: Date }): Promise<Record<string, number>> {
    return data<Record<string, number>>(
      this.clients.service.rpc("vx_erase_user_data", {
        p_user_id: userId,
        p_subject_sha256: record.subjectSha256,
        p_at: iso(record.at),
      }),
    );
  }
}
