// Runs the specification's samples against the installed @vx packages (ESM build) on every configured database.
import type { Database } from "@vx/db";
import { startReceiver } from "./receiver.js";
import { runApiKeySamples } from "./samples/api-keys.js";
import { runIvrMenuSamples, runPersistedIvr } from "./samples/ivr.js";
import { runMaintenanceSamples } from "./samples/maintenance.js";
import { runWebhookSamples } from "./samples/webhooks.js";
import { createServices } from "./services.js";
import { type Target, targets } from "./targets.js";

async function createUserWithAgent(db: Database): Promise<{ userId: string; agentId: string }> {
  const user = await db.query<{ id: string }>("INSERT INTO auth.users DEFAULT VALUES RETURNING id");
  const userId = user.rows[0]!.id;
  const agent = await db.query<{ id: string }>(
    "INSERT INTO agents (user_id, name) VALUES ($1, 'Support') RETURNING id",
    [userId],
  );
  return { userId, agentId: agent.rows[0]!.id };
}

async function runOn(target: Target): Promise<void> {
  console.log(`\n== ${target.name}`);
  const receiver = await startReceiver();
  let db: Database | undefined;
  try {
    db = await target.open();
    const services = createServices(db, { allowLocalWebhooks: true });
    try {
      const ids = await createUserWithAgent(db);
      await runApiKeySamples(services, ids.userId);
      await runWebhookSamples(services, ids, receiver);
      runIvrMenuSamples(services);
      await runPersistedIvr(services, ids.userId, receiver);
      await runMaintenanceSamples(services, ids.userId);
    } finally {
      await services.close();
    }
  } finally {
    await db?.close();
    await target.dispose();
    await receiver.close();
  }
}

try {
  for (const target of targets()) await runOn(target);
  console.log("\nall checks passed (ESM)");
} catch (error) {
  console.error("\nFAILED (ESM):", error);
  process.exitCode = 1;
}
