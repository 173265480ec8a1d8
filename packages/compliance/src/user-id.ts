// User ids are auth.users ids (UUIDs): checked before they reach a query, so a bad one is a typed error.
import { ComplianceError } from "./errors.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function assertUserId(userId: string): void {
  if (!UUID.test(userId)) throw new ComplianceError("INVALID_USER_ID", "user id must be a UUID");
}

export function isUuid(value: string): boolean {
  return UUID.test(value);
}
