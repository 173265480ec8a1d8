// The specification's webhook calls, end to end on embedded PGlite with a receiver on 127.0.0.1.
// Run from the repository root: npx tsx --tsconfig tsconfig.json packages/webhooks/examples/quickstart.ts
import { createServer } from "node:http";
import { openDatabase, PgWebhookRepository } from "@vx/db";
import { DeliveryWorker, verifyWebhook, WebhookEvent, WebhookService } from "@vx/webhooks";

const db = await openDatabase({ dataDir: "memory" }); // or openDatabase({ url: "postgresql://…" })
const { rows } = await db.query<{ id: string }>("INSERT INTO auth.users DEFAULT VALUES RETURNING id");
const userId = rows[0]!.id;
const agent = await db.query<{ id: string }>("INSERT INTO agents (user_id, name) VALUES ($1, 'Support') RETURNING id", [
  userId,
]);
const agentId = agent.rows[0]!.id;

// A receiver, as a user of the platform would write it: verify, then use the webhook-id to deduplicate.
let secret = "";
const receiver = createServer((req, res) => {
  let body = "";
  req.on("data", (chunk) => {
    body += chunk;
  });
  req.on("end", () => {
    const event = verifyWebhook(secret, req.headers, body); // throws WebhookError when forged or stale
    console.log("received", req.headers["webhook-id"], event);
    res.end("ok");
  });
});
await new Promise<void>((resolve) => receiver.listen(4100, "127.0.0.1", resolve));

const repository = new PgWebhookRepository(db);
// allowHttp / allowPrivateUrls only because the receiver is on 127.0.0.1; production keeps the defaults.
const webhookService = new WebhookService({ repository, allowHttp: true, allowPrivateUrls: true });
const worker = new DeliveryWorker({ repository, allowPrivateUrls: true });

const webhook = await webhookService.createWebhook({
  user_id: userId,
  agent_id: agentId,
  url: "http://127.0.0.1:4100/webhook",
  events: [WebhookEvent.CALL_STARTED, WebhookEvent.CALL_ENDED, WebhookEvent.CONVERSATION_UPDATED],
});
secret = webhook.secret; // whsec_…: give it to the receiver

await webhookService.triggerEvent(
  WebhookEvent.CALL_STARTED,
  { callId: "call_123", agentId: "agent_456", phoneNumber: "+1234567890" },
  { userId, agentId },
);
await worker.runOnce(); // or worker.start() to deliver continuously

const result = await webhookService.testWebhook(webhook.id, userId);
if (result.success) console.log("Webhook test successful");

const logs = await webhookService.getWebhookLogs(webhook.id, 50);
console.log(logs.map((log) => `${log.event} attempt ${log.attempt_number}: HTTP ${log.status_code}`));

await webhookService.updateWebhook(webhook.id, userId, { url: "https://new-url.com/webhook", enabled: true });
await webhookService.deleteWebhook(webhook.id, userId);

await worker.stop();
await webhookService.close();
receiver.close();
await db.close();
