// The specification's "IVR Menu Service" samples, verbatim, then the persisted IvrService sending its events on.
// biome-ignore-all format: the specification's samples keep the quotes and layout it prints
import { randomUUID } from "node:crypto";
import { check, checkEqual } from "../check.js";
import type { Receiver } from "../receiver.js";
import type { Services } from "../services.js";

export function runIvrMenuSamples({ ivrMenuService }: Services): void {
  console.log("IVR (in memory, as the specification shows)");
  const sessionId = `call-${randomUUID()}`;

  // spec: Register IVR Menu
  ivrMenuService.registerMenu({
    id: 'main-menu',
    name: 'Main Menu',
    prompt: 'Press 1 for sales, 2 for support, 3 for billing',
    items: [
      {
        digit: '1',
        label: 'Sales',
        action: 'submenu',
        target: 'sales-menu'
      },
      {
        digit: '2',
        label: 'Support',
        action: 'agent',
        target: 'support-queue'
      },
      {
        digit: '3',
        label: 'Billing',
        action: 'transfer',
        target: '+1234567890'
      }
    ],
    timeout: 30000,
    maxRetries: 3
  });
  // Not in the specification: the submenu that digit 1 leads to.
  ivrMenuService.registerMenu({
    id: "sales-menu",
    name: "Sales",
    prompt: "Press 1 for new orders",
    items: [{ digit: "1", action: "agent", target: "sales-new" }],
  });
  checkEqual("the menu graph is valid", ivrMenuService.validate().ok, true);

  // spec: Start IVR Session
  const session = ivrMenuService.startSession(sessionId, 'main-menu');
  checkEqual("a new session says the main prompt", session.actions[0], {
    type: "say",
    text: "Press 1 for sales, 2 for support, 3 for billing",
  });
  checkEqual("then gathers one digit for 30 s", session.actions[1], {
    type: "gather",
    num_digits: 1,
    timeout_ms: 30000,
    finish_on_key: "#",
  });

  // spec: Process Menu Input
  ivrMenuService.processMenuInput(sessionId, '1');
  checkEqual("1 enters the sales menu", ivrMenuService.getSession(sessionId)?.menuStack, ["main-menu", "sales-menu"]);

  // spec: Navigate Back
  ivrMenuService.goBack(sessionId);
  checkEqual("back returns to the main menu", ivrMenuService.getSession(sessionId)?.currentMenuId, "main-menu");

  // spec: End Session
  ivrMenuService.endSession(sessionId);
  const ended = ivrMenuService.getSession(sessionId);
  check("the session has ended", ended?.status !== "active" && ended?.endedAt instanceof Date, ended?.status);
}

/** The same flow with menus and sessions in the database; the call's events arrive as signed webhooks. */
export async function runPersistedIvr(
  { ivrService, webhookService, worker }: Services,
  userId: string,
  receiver: Receiver,
): Promise<void> {
  console.log("IVR (persisted, events delivered as webhooks)");
  const webhook = await webhookService.createWebhook({
    user_id: userId,
    url: receiver.url,
    events: ["ivr.session.started", "call.transferred", "ivr.session.ended"],
  });
  receiver.useSecret(webhook.secret);
  const { menu } = await ivrService.createMenu(userId, {
    name: "Main Menu",
    prompt: "Press 2 for support",
    items: [{ digit: "2", action: "agent", target: "support-queue" }],
  });
  const callId = `CA${randomUUID().replaceAll("-", "")}`;
  await ivrService.startSession(callId, menu.id, { userId });
  const { session, actions } = await ivrService.processMenuInput(callId, "2", { userId });
  checkEqual("2 hands the call to the support queue", actions, [{ type: "agent", target: "support-queue" }]);
  checkEqual("the stored session is completed", session.status, "completed");

  checkEqual("the worker delivers the call's three events", await worker.runOnce(), 3);
  const received = receiver.events.filter((event) => (event.data as { session_id?: string }).session_id === callId);
  checkEqual(
    "the receiver got started, transferred and ended",
    received.map((event) => event.type).sort(),
    ["call.transferred", "ivr.session.ended", "ivr.session.started"],
  );
  await webhookService.deleteWebhook(webhook.id, userId);
}
