// The specification's "Webhooks Service" samples, verbatim, delivering to the example's receiver on 127.0.0.1.
// biome-ignore-all format: the specification's samples keep the quotes and layout it prints
import { WebhookEvent } from "@vx/webhooks";
import { check, checkEqual, rejection } from "../check.js";
import type { Receiver } from "../receiver.js";
import type { Services } from "../services.js";

export async function runWebhookSamples(
  { webhookService, worker }: Services,
  ids: { userId: string; agentId: string },
  receiver: Receiver,
): Promise<void> {
  console.log("Webhooks");
  const { userId, agentId } = ids;

  // spec: Create Webhook
  const webhook = await webhookService.createWebhook({
    user_id: userId,
    agent_id: agentId,
    url: 'https://example.com/webhook',
    events: [
      WebhookEvent.CALL_STARTED,
      WebhookEvent.CALL_ENDED,
      WebhookEvent.CONVERSATION_UPDATED
    ]
  });
  const webhookId = webhook.id;
  check("the webhook has a signing secret", webhook.secret.startsWith("whsec_"));
  checkEqual("the webhook keeps its events", webhook.events, ["call.started", "call.ended", "conversation.updated"]);
  checkEqual("the webhook is scoped to the agent", webhook.agent_id, agentId);

  // Not in the specification: point the webhook at the local receiver, since example.com is not ours.
  await webhookService.updateWebhook(webhookId, userId, { url: receiver.url });
  receiver.useSecret(webhook.secret);

  // spec: Trigger Webhook Event
  await webhookService.triggerEvent(
    WebhookEvent.CALL_STARTED,
    {
      callId: 'call_123',
      agentId: 'agent_456',
      phoneNumber: '+1234567890'
    },
    {
      userId: userId,
      agentId: agentId
    }
  );
  checkEqual("the worker delivers the one queued message", await worker.runOnce(), 1);
  const delivered = receiver.events.filter((event) => event.type === "call.started");
  checkEqual("the receiver got call.started with its payload", delivered.map((event) => event.data), [
    { callId: "call_123", agentId: "agent_456", phoneNumber: "+1234567890" },
  ]);
  checkEqual("every delivery's signature verified", receiver.rejected, []);

  {
    // spec: Test Webhook
    const result = await webhookService.testWebhook(webhookId, userId);
    if (result.success) {
      console.log('Webhook test successful');
    }
    checkEqual("testWebhook reaches the receiver", [result.success, result.status_code], [true, 200]);
    check("the receiver got the signed test event", receiver.events.some((event) => event.type === "webhook.test"));
  }

  {
    // spec: Get Webhook Logs
    const logs = await webhookService.getWebhookLogs(webhookId, 50);
    const attempt = logs.find((log) => log.event === "call.started");
    checkEqual("the delivery is logged", [attempt?.status_code, attempt?.attempt_number], [200, 1]);
    check("the logged delivery has a delivery time", attempt?.delivered_at instanceof Date);
    check("the test delivery is logged too", logs.some((log) => log.event === "webhook.test"));
  }
  {
    // spec: Monitoring, "Webhook logs"
    const logs = await webhookService.getWebhookLogs(webhookId);
    checkEqual("getWebhookLogs without a limit lists both attempts", logs.length, 2);
  }

  // spec: Update Webhook
  await webhookService.updateWebhook(webhookId, userId, {
    url: 'https://new-url.com/webhook',
    enabled: true
  });
  const updated = await webhookService.getWebhook(webhookId, userId);
  checkEqual("updateWebhook changes the URL", updated.url, "https://new-url.com/webhook");

  // spec: Delete Webhook
  await webhookService.deleteWebhook(webhookId, userId);
  const missing = await rejection("getWebhook after delete", webhookService.getWebhook(webhookId, userId));
  checkEqual("a deleted webhook is not_found", missing.code, "not_found");
}
