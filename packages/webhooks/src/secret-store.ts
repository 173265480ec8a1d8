/**
 * WebhookSecretStore: the stored secrets as they are (ciphertext or plain), for moving them under the current key
 * (`reencryptSecrets`) and for checking at start that the keyring opens them (`checkSecretKeys`).
 */
import { type SecretCipher, storedKeyId } from "./secret-cipher.js";

/** One stored value: a webhook's current secret, or its rotated-out previous one. */
export interface StoredSecret {
  webhook_id: string;
  kind: "current" | "previous";
  stored: string;
}

export interface WebhookSecretStore {
  /** Stored values of webhooks whose id is after `afterWebhookId`, in webhook id order, up to `limit` webhooks. */
  listStoredSecrets(afterWebhookId: string | null, limit: number): Promise<StoredSecret[]>;
  /** One stored value per key id in use (and one plain one if any): enough to check a keyring opens them all. */
  sampleStoredSecrets(): Promise<StoredSecret[]>;
  /** Writes `next` only if the value is still `expected` (a rotation meanwhile wins). Returns whether it did. */
  replaceStoredSecret(secret: StoredSecret, next: string): Promise<boolean>;
}

export interface ReencryptResult {
  scanned: number;
  reencrypted: number;
}

/**
 * Moves every stored secret that is plain or under an older key under the current key, `batchSize` webhooks at a
 * time; each value is one compare-and-set, so deliveries and rotations go on meanwhile. Run it again to finish rows
 * a rotation changed under it (they are already under the current key).
 */
export async function reencryptSecrets(
  store: WebhookSecretStore,
  cipher: SecretCipher,
  options: { batchSize?: number; onBatch?: (progress: ReencryptResult) => void } = {},
): Promise<ReencryptResult> {
  const batchSize = options.batchSize ?? 500;
  const result: ReencryptResult = { scanned: 0, reencrypted: 0 };
  let after: string | null = null;
  for (;;) {
    const batch = await store.listStoredSecrets(after, batchSize);
    if (batch.length === 0) return result;
    for (const secret of batch) {
      result.scanned++;
      if (!cipher.isStale(secret.stored)) continue;
      const next = cipher.encrypt(cipher.decrypt(secret.stored));
      if (await store.replaceStoredSecret(secret, next)) result.reencrypted++;
    }
    after = batch.at(-1)!.webhook_id;
    options.onBatch?.({ ...result });
  }
}

/**
 * Decrypts one stored secret per key id in use: a missing or wrong key is found at start, never as a wrong signature.
 * Throws WebhookError `secret_key_unknown` or `secret_undecryptable` naming the key; returns the key ids checked.
 */
export async function checkSecretKeys(store: WebhookSecretStore, cipher: SecretCipher): Promise<string[]> {
  const checked: string[] = [];
  for (const secret of await store.sampleStoredSecrets()) {
    const id = storedKeyId(secret.stored);
    if (id === null) continue;
    cipher.decrypt(secret.stored);
    checked.push(id);
  }
  return checked;
}
