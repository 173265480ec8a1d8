// The specification's "Monitoring and Maintenance" samples that are not about one service: audit clean-up and health.
import { check, checkEqual } from "../check.js";
import type { Services } from "../services.js";

export async function runMaintenanceSamples(
  { auditService, databaseService }: Services,
  userId: string,
): Promise<void> {
  console.log("Maintenance");
  const { entries } = await auditService.listLogs(userId);
  const actions = new Set(entries.map((entry) => entry.action));
  check(
    "the database audited the key and the webhook",
    actions.has("api_key.created") && actions.has("webhook.created"),
  );

  // spec: Cleanup Operations
  // Clean old audit logs
  await auditService.cleanupOldLogs(365); // Keep 1 year
  checkEqual(
    "a year's audit log survives clean-up",
    (await auditService.listLogs(userId)).entries.length,
    entries.length,
  );

  // spec: Health Checks
  const isHealthy = await databaseService.healthCheck();
  checkEqual("the database is healthy", isHealthy, true);
}
