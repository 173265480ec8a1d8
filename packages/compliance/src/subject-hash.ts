// The one-way name an erasure is recorded under: SHA-256 of the user id, so the entry holds no personal data.
import { createHash } from "node:crypto";

export function subjectSha256(userId: string): string {
  return createHash("sha256").update(userId.toLowerCase(), "utf8").digest("hex");
}
