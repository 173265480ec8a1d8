// Consent records: per purpose, granted or withdrawn, and when.
import { ComplianceError } from "./errors.js";

export interface Consent {
  /** e.g. `marketing_email`, `call_recording`: lowercase, starts with a letter, up to 64 of `a-z 0-9 _ . : -`. */
  purpose: string;
  granted: boolean;
  /** When last granted; kept after a withdrawal. */
  grantedAt: Date | null;
  /** When withdrawn (or declined without ever granting); null while granted. */
  withdrawnAt: Date | null;
  updatedAt: Date;
}

export interface ConsentChange {
  purpose: string;
  granted: boolean;
}

export const CONSENT_PURPOSE_PATTERN = /^[a-z][a-z0-9_.:-]{0,63}$/;
export const MAX_CONSENT_CHANGES = 50;

export function assertConsentChanges(changes: readonly ConsentChange[]): void {
  if (changes.length > MAX_CONSENT_CHANGES) {
    throw new ComplianceError("INVALID_CONSENT", `at most ${MAX_CONSENT_CHANGES} consents per change`);
  }
  const seen = new Set<string>();
  for (const change of changes) {
    if (typeof change.purpose !== "string" || !CONSENT_PURPOSE_PATTERN.test(change.purpose)) {
      throw new ComplianceError(
        "INVALID_CONSENT",
        `purpose "${String(change.purpose).slice(0, 80)}" must match ${CONSENT_PURPOSE_PATTERN.source}`,
      );
    }
    if (typeof change.granted !== "boolean") {
      throw new ComplianceError("INVALID_CONSENT", `granted of "${change.purpose}" must be true or false`);
    }
    if (seen.has(change.purpose)) {
      throw new ComplianceError("INVALID_CONSENT", `purpose "${change.purpose}" is given twice`);
    }
    seen.add(change.purpose);
  }
}
