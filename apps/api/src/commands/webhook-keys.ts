/**
 * `vx webhook-keys`: the keyring webhook secrets are encrypted with (VX_WEBHOOK_SECRET_KEYS). `new <id>` prints a key
 * to add, `check` decrypts one stored secret per key in use, `reencrypt` moves every secret under the first key in
 * batches while the API runs, after which the older keys can be dropped.
 */
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import type { Config } from "../config.js";
import { withDatabase } from "./with-database.js";

export const WEBHOOK_KEYS_USAGE = `usage: vx webhook-keys new <id> | check | reencrypt [--batch-size N]`;

export async function webhookKeysCommand(config: Config, args: string[]): Promise<number> {
  const [action, ...rest] = args;
  if (action === "new" && rest.length === 1 && /^[A-Za-z0-9_-]{1,32}$/.test(rest[0]!)) {
    console.log(`${rest[0]}:${randomBytes(32).toString("base64")}`);
    return 0;
  }
  if (action === "check" && rest.length === 0) return withDatabase(config, check);
  if (action === "reencrypt") {
    const { values } = parseArgs({ args: rest, options: { "batch-size": { type: "string" } }, strict: true });
    const batchSize = Number(values["batch-size"] ?? 500);
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
      console.error("vx: --batch-size is an integer from 1 to 10000");
      return 2;
    }
    return withDatabase(config, (c, db) => reencrypt(c, db, batchSize));
  }
  console.error(WEBHOOK_KEYS_USAGE);
  return action === undefined || action === "--help" || action === "-h" ? 0 : 2;
}

type Db = import("@vx/db").Database;

async function check(config: Config, db: Db): Promise<void> {
  const { checkWebhookKeys } = await import("../routes/webhooks/secret-keys.js");
  await checkWebhookKeys(config, db);
  console.log("the keyring opens every webhook secret stored");
}

async function reencrypt(config: Config, db: Db, batchSize: number): Promise<void> {
  const [{ PgWebhookSecretStore }, { reencryptSecrets }, { checkWebhookKeys, webhookCipher }] = await Promise.all([
    import("@vx/db"),
    import("@vx/webhooks"),
    import("../routes/webhooks/secret-keys.js"),
  ]);
  await checkWebhookKeys(config, db);
  const result = await reencryptSecrets(new PgWebhookSecretStore(db), await webhookCipher(config), {
    batchSize,
    onBatch: (progress) => console.log(`scanned ${progress.scanned}, re-encrypted ${progress.reencrypted}`),
  });
  console.log(`done: ${result.reencrypted} of ${result.scanned} secrets re-encrypted under the first key`);
}
