// GdprService: a user's data as one export document, and its erasure in one transaction.
import type { UserDataRepository } from "./repositories.js";
import { subjectSha256 } from "./subject-hash.js";
import { type ErasureReport, USER_DATA_EXPORT_FORMAT, type UserDataExport } from "./user-data.js";
import { assertUserId } from "./user-id.js";

export interface GdprServiceOptions {
  repository: UserDataRepository;
  now: () => Date;
}

export class GdprService {
  private readonly repository: UserDataRepository;
  private readonly now: () => Date;

  constructor(options: GdprServiceOptions) {
    this.repository = options.repository;
    this.now = options.now;
  }

  /** Everything stored about the user; the export itself is recorded in the user's audit log afterwards. */
  async exportUserData(userId: string): Promise<UserDataExport> {
    assertUserId(userId);
    const at = this.now();
    const tables = await this.repository.collect(userId);
    await this.repository.recordExport(userId, at);
    return { format: USER_DATA_EXPORT_FORMAT, user_id: userId, exported_at: at.toISOString(), tables };
  }

  /**
   * Deletes everything stored about the user (not the auth account itself: on Supabase that belongs to the
   * auth service) and records the erasure under a SHA-256 of the id, never the id.
   */
  async eraseUserData(userId: string): Promise<ErasureReport> {
    assertUserId(userId);
    const hash = subjectSha256(userId);
    const deleted = await this.repository.erase(userId, { subjectSha256: hash, at: this.now() });
    return { userId, subjectSha256: hash, deleted };
  }
}
