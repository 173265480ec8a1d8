// ConsentService: read and change a user's consent records.
import { assertConsentChanges, type Consent, type ConsentChange } from "./consent.js";
import type { ConsentRepository } from "./repositories.js";
import { assertUserId } from "./user-id.js";

export interface ConsentServiceOptions {
  repository: ConsentRepository;
  now: () => Date;
}

export class ConsentService {
  private readonly repository: ConsentRepository;
  private readonly now: () => Date;

  constructor(options: ConsentServiceOptions) {
    this.repository = options.repository;
    this.now = options.now;
  }

  /** The user's consents, by purpose. */
  async getConsents(userId: string): Promise<Consent[]> {
    assertUserId(userId);
    return sortByPurpose(await this.repository.list(userId));
  }

  /** Grants or withdraws each purpose given (others are untouched) and returns all of the user's consents. */
  async setConsents(userId: string, changes: readonly ConsentChange[]): Promise<Consent[]> {
    assertUserId(userId);
    assertConsentChanges(changes);
    if (changes.length > 0) await this.repository.apply(userId, changes, this.now());
    return this.getConsents(userId);
  }
}

function sortByPurpose(consents: Consent[]): Consent[] {
  return [...consents].sort((a, b) => (a.purpose < b.purpose ? -1 : a.purpose > b.purpose ? 1 : 0));
}
