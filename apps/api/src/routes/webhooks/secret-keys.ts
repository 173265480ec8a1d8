/**
 * The keyring webhook secrets are encrypted with at rest: VX_WEBHOOK_SECRET_KEYS, or in development a key generated
 * into the data folder (like the development JWT secret). Checked against the stored rows when the app starts, so a
 * missing or wrong key stops the start with one line instead of signing with a wrong secret.
 */
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { isDatabaseUnavailable, makeDataDir, PgWebhookRepository, PgWebhookSecretStore, type Queryable } from "@vx/db";
import {
  checkSecretKeys,
  createKeyringCipher,
  EncryptedWebhookRepository,
  isWebhookError,
  parseKeyring,
  reencryptSecrets,
  type SecretCipher,
  type SecretKey,
} from "@vx/webhooks";
import type { Logger } from "pino";
import type { Config } from "../../config.js";
import { createFileOnce } from "../../create-file-once.js";
import { ApiError } from "../../errors.js";

export const WEBHOOK_KEY_FILE = "webhook-secret-key";

const ciphers = new WeakMap<Config, Promise<SecretCipher>>();

/** The cipher of this configuration (one per config object: the key file is read once). */
export function webhookCipher(config: Config): Promise<SecretCipher> {
  let cipher = ciphers.get(config);
  if (!cipher) {
    cipher = keyring(config).then((keys) => createKeyringCipher(keys));
    ciphers.set(config, cipher);
  }
  return cipher;
}

/** The webhooks repository every route and worker uses: Postgres or PGlite, secrets encrypted. */
export async function webhookRepository(config: Config, db: Queryable): Promise<EncryptedWebhookRepository<Queryable>> {
  return new EncryptedWebhookRepository(new PgWebhookRepository(db), await webhookCipher(config));
}

/**
 * Decrypts one stored secret per key in use; a key missing from the keyring, or a wrong one, is one clear line.
 * Returns whether some secret is plain (written before encryption) or under an older key.
 */
export async function checkWebhookKeys(config: Config, db: Queryable): Promise<boolean> {
  const store = new PgWebhookSecretStore(db);
  const cipher = await webhookCipher(config);
  try {
    await checkSecretKeys(store, cipher);
    return (await store.sampleStoredSecrets()).some((secret) => cipher.isStale(secret.stored));
  } catch (error) {
    // A database that is down at start must not stop the API: routes answer 503 until it is back.
    if (isDatabaseUnavailable(error)) return false;
    if (!isWebhookError(error, "secret_key_unknown") && !isWebhookError(error, "secret_undecryptable")) throw error;
    throw new ApiError(
      "invalid_config",
      `${error.message}: set VX_WEBHOOK_SECRET_KEYS to a keyring holding that key (${keySource(config)})`,
      { cause: error },
    );
  }
}

/**
 * Moves plain and older-key secrets under the current key in the background (compare-and-set per value, so other
 * processes doing the same, deliveries and rotations are safe): upgrading leaves no plain secret behind.
 */
export function reencryptInBackground(config: Config, db: Queryable, log: Logger): Promise<void> {
  return webhookCipher(config)
    .then((cipher) => reencryptSecrets(new PgWebhookSecretStore(db), cipher))
    .then((result) => log.info(result, "webhook secrets re-encrypted under the current key"))
    .catch((error: unknown) =>
      log.warn({ err: error }, "webhook secrets not re-encrypted; run vx webhook-keys reencrypt"),
    );
}

/** Where the key comes from: configured, the data folder's key file, or (in memory) this process only. */
function keySource(config: Config): string {
  if (config.webhookSecretKeys) return "it is set, but lacks that key or holds a wrong one";
  const file = keyFile(config);
  return file ? `the development key is ${file}` : "without it this process used a key of its own";
}

async function keyring(config: Config): Promise<SecretKey[]> {
  if (config.webhookSecretKeys) return config.webhookSecretKeys;
  // loadConfig refuses production without keys; this is development only.
  const file = keyFile(config);
  if (!file) return [{ id: "process", key: randomBytes(32) }];
  try {
    return parseKeyring(await readOrCreateKey(file, config.dataDir));
  } catch (error) {
    if (!isWebhookError(error, "invalid_input")) throw error;
    throw new ApiError(
      "invalid_config",
      `${file} is not a development webhook key (${error.message}): restore it, or delete it to have a new one made (webhook secrets stored under the old one then cannot be read)`,
      { cause: error },
    );
  }
}

/**
 * In development the key lives in the data folder, like the development JWT secret, with PGlite and with Postgres
 * alike: `vx serve` and `vx worker` started from one folder then share it (a key per process would leave each unable
 * to read the secrets the others wrote).
 */
function keyFile(config: Config): string | undefined {
  return config.dataDir === "memory" ? undefined : join(config.dataDir, WEBHOOK_KEY_FILE);
}

async function readOrCreateKey(path: string, dataDir: string): Promise<string> {
  await makeDataDir(dataDir);
  // Another process, or an earlier start, may have created it: then this one uses that one.
  await createFileOnce(path, `dev:${randomBytes(32).toString("base64")}\n`);
  return (await readFile(path, "utf8")).trim();
}
