/** A user holding one of every resource, made through the API as a user would: the actor or the victim of a test. */
import { randomBytes, randomUUID } from "node:crypto";
import type { TestApp } from "../../src/testing.js";

export interface Tenant {
  userId: string;
  /** `Authorization: Bearer <JWT>`, valid for 30 days of the app's clock. */
  jwt: { authorization: string };
  /** A key with every scope (`*`), no quota and no rate limit. */
  apiKey: { id: string; plain: string };
  /** A row in `agents` (there is no agents route; events and webhooks name agents). */
  agentId: string;
  /** Points at the test's receiver; has one delivery log (a test send) and one failed message (recoverable). */
  webhook: { id: string; secret: string };
  event: { id: string };
  /** The event's (failed) message to the webhook. */
  message: { id: string };
  /** `main` leads to `sub` with key 1. */
  menus: { main: string; sub: string };
  /** The call id of a live session at `main`. */
  callId: string;
  /** Every identifier above, for leak checks. */
  identifiers: string[];
}

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** Seeds a new user through the routes. `receiverUrl` must answer 200 (the webhook's test send goes there). */
export async function seedTenant(t: TestApp, receiverUrl: string): Promise<Tenant> {
  const userId = randomUUID();
  const jwt = { authorization: `Bearer ${await t.token(userId, { expiresIn: "30d" })}` };
  const call = async (method: Method, url: string, payload: object | undefined, status: number) => {
    const response = await t.app.inject({ method, url, headers: jwt, ...(payload === undefined ? {} : { payload }) });
    if (response.statusCode !== status) {
      throw new Error(`seeding ${method} ${url}: expected ${status}, got ${response.statusCode} ${response.body}`);
    }
    return response.json();
  };

  const key = await call("POST", "/v1/api-keys", { name: "every scope", scopes: ["*"] }, 201);
  // The first JWT request created the auth.users row; agents have no route, so the row is written directly.
  const agent = await t.db.query<{ id: string }>(
    "INSERT INTO public.agents (user_id, name) VALUES ($1, 'support agent') RETURNING id",
    [userId],
  );
  const webhook = await call("POST", "/v1/webhooks", { url: receiverUrl, events: ["call.started", "call.ended"] }, 201);
  const event = await call(
    "POST",
    "/v1/events",
    { event: "call.started", payload: { callId: "seed" }, idempotency_key: `seed-${userId}` },
    202,
  );
  // As if every attempt had failed: gives /recover something to change, and leaves nothing due for a worker.
  const message = await t.db.query<{ id: string }>(
    "UPDATE public.webhook_messages SET status = 'failed' WHERE event_id = $1 RETURNING id",
    [event.event_id],
  );
  await call("POST", `/v1/webhooks/${webhook.id}/test`, undefined, 200);
  const sub = await call(
    "POST",
    "/v1/ivr/menus",
    { name: "Sales", prompt: "Press 1 for new orders", items: [{ digit: "1", action: "agent", target: "sales" }] },
    201,
  );
  const main = await call(
    "POST",
    "/v1/ivr/menus",
    {
      name: "Main",
      prompt: "Press 1 for sales, 2 for billing",
      items: [
        { digit: "1", action: "submenu", target: sub.id },
        { digit: "2", action: "transfer", target: "+15551234567" },
      ],
    },
    201,
  );
  const callId = `CA${randomBytes(16).toString("hex")}`;
  await call("POST", "/v1/ivr/sessions", { session_id: callId, menu_id: main.id }, 201);
  await call("PUT", "/v1/me/consents", { consents: [{ purpose: "marketing", granted: true }] }, 200);

  return {
    userId,
    jwt,
    apiKey: { id: key.api_key.id, plain: key.plain_key },
    agentId: agent.rows[0]!.id,
    webhook: { id: webhook.id, secret: webhook.secret },
    event: { id: event.event_id },
    message: { id: message.rows[0]!.id },
    menus: { main: main.id, sub: sub.id },
    callId,
    identifiers: [
      ...[userId, key.api_key.id, agent.rows[0]!.id, webhook.id, event.event_id, message.rows[0]!.id],
      ...[main.id, sub.id, callId],
    ],
  };
}
