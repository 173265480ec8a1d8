// The CommonJS builds: the same packages loaded with require(), a few of the specification's samples, checked.
const assert = require("node:assert/strict");
const { randomBytes } = require("node:crypto");
const { ApiKeyService } = require("@vx/api-keys");
const { AuditService } = require("@vx/compliance");
const { createAuditService, openDatabase, PgApiKeyRepository, PgWebhookRepository } = require("@vx/db");
const { IvrMenuService } = require("@vx/ivr");
const { WebhookEvent, WebhookService } = require("@vx/webhooks");

/** @param {import("@vx/db").Database} db */
async function samples(db) {
  const { rows } = await db.query("INSERT INTO auth.users DEFAULT VALUES RETURNING id");
  const userId = /** @type {{ id: string }} */ (rows[0]).id;

  const apiKeyService = new ApiKeyService({ repository: new PgApiKeyRepository(db) });
  const { apiKey, plainKey } = await apiKeyService.createApiKey({
    user_id: userId,
    name: "Production API Key",
    expires_in_days: 90,
    rate_limit: 1000,
    usage_quota: 100000,
    scopes: ["agents:read", "agents:write"],
  });
  assert.equal((await apiKeyService.validateApiKey(plainKey))?.id, apiKey.id, "validateApiKey finds the key");
  await apiKeyService.revokeApiKey(apiKey.id, userId);
  assert.equal(await apiKeyService.validateApiKey(plainKey), null, "a revoked key does not validate");

  const webhookService = new WebhookService({ repository: new PgWebhookRepository(db) });
  const webhook = await webhookService.createWebhook({
    user_id: userId,
    url: "https://example.com/webhook",
    events: [WebhookEvent.CALL_STARTED],
  });
  const queued = await webhookService.triggerEvent(WebhookEvent.CALL_STARTED, { callId: "call_123" }, { userId });
  assert.equal(queued.deliveries, 1, "triggerEvent queues one message for the webhook");
  await webhookService.deleteWebhook(webhook.id, userId);
  await webhookService.close();

  const ivrMenuService = new IvrMenuService();
  ivrMenuService.registerMenu({
    id: "main-menu",
    name: "Main Menu",
    prompt: "Press 2 for support",
    items: [{ digit: "2", label: "Support", action: "agent", target: "support-queue" }],
  });
  ivrMenuService.startSession("call-1", "main-menu");
  const afterInput = ivrMenuService.processMenuInput("call-1", "2");
  assert.deepEqual(afterInput.actions, [{ type: "agent", target: "support-queue" }], "2 reaches support");

  const auditService = createAuditService(db);
  assert.ok(auditService instanceof AuditService, "@vx/db and @vx/compliance share one AuditService class");
  assert.equal(typeof (await auditService.cleanupOldLogs(365)), "number", "cleanupOldLogs answers a count");
  assert.equal(await db.healthCheck(), true, "the database is healthy");
}

/** Embedded PGlite, and a database of its own on Postgres when a URL is set. */
async function main() {
  await withDatabase(
    "PGlite",
    () => openDatabase({ dataDir: "memory" }),
    async () => {},
  );
  const adminUrl = process.env.DATABASE_URL || process.env.TEST_DATABASE_URL;
  if (!adminUrl) return;
  const name = `vx_example_cjs_${randomBytes(6).toString("hex")}`;
  const admin = await openDatabase({ url: adminUrl, migrate: false, poolSize: 1 });
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    await withDatabase(
      "Postgres",
      () => openDatabase({ url: url.toString() }),
      async () => {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      },
    );
  } finally {
    await admin.close();
  }
}

/**
 * @param {string} name
 * @param {() => Promise<import("@vx/db").Database>} open
 * @param {() => Promise<void>} dispose
 */
async function withDatabase(name, open, dispose) {
  try {
    const db = await open();
    try {
      await samples(db);
    } finally {
      await db.close();
    }
  } finally {
    await dispose();
  }
  console.log(`  ok  CommonJS samples on ${name}`);
}

main().then(
  () => console.log("all checks passed (CommonJS)"),
  (error) => {
    console.error("FAILED (CommonJS):", error);
    process.exitCode = 1;
  },
);
