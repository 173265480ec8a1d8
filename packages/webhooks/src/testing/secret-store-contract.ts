/**
 * Secrets at rest, on every adapter: what the database holds is never a `whsec_` secret, and keys rotate (encrypt
 * under k1, add k2, old rows still open, `reencryptSecrets` moves them, k1 can go) without a wrong signature.
 */
import { randomBytes } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import { EncryptedWebhookRepository } from "../encrypted-repository.js";
import { isWebhookError } from "../errors.js";
import { WebhookEvent } from "../events.js";
import type { WebhookRepository } from "../repository.js";
import { generateSecret } from "../secret.js";
import { createKeyringCipher, type SecretKey } from "../secret-cipher.js";
import { checkSecretKeys, reencryptSecrets, type WebhookSecretStore } from "../secret-store.js";
import { systemRandomBytes } from "../system.js";

export interface WebhookSecretStoreFixture {
  // biome-ignore lint/suspicious/noExplicitAny: the suite never passes a transaction
  repository: WebhookRepository<any>;
  store: WebhookSecretStore;
  createUser(): Promise<string>;
  /** Every secret column as stored (webhooks.secret and webhook_previous_secrets.secret), read directly. */
  readStoredSecrets(): Promise<string[]>;
}

const key = (id: string): SecretKey => ({ id, key: randomBytes(32) });

export function describeWebhookSecretStore(
  name: string,
  factory: () => WebhookSecretStoreFixture | Promise<WebhookSecretStoreFixture>,
): void {
  describe(`webhook secrets at rest: ${name}`, () => {
    let fx: WebhookSecretStoreFixture;
    let userId: string;
    const k1 = key("k1");
    const k2 = key("k2");

    beforeEach(async () => {
      fx = await factory();
      userId = await fx.createUser();
    });

    async function webhookUnder(keys: SecretKey[]) {
      const repo = new EncryptedWebhookRepository(fx.repository, createKeyringCipher(keys));
      const secret = generateSecret(systemRandomBytes);
      const created = await repo.createWebhook({
        user_id: userId,
        url: "https://example.com/hook",
        events: [WebhookEvent.CALL_STARTED],
        secret,
      });
      return { repo, secret, created };
    }

    it("stores no secret in the clear: the table holds only ciphertext, the service reads the secret", async () => {
      const { repo, secret, created } = await webhookUnder([k1]);
      expect(created.secret).toBe(secret);
      const rotated = generateSecret(systemRandomBytes);
      await repo.rotateSecret(created.id, rotated, new Date(Date.now() + 60_000), userId);
      const stored = await fx.readStoredSecrets();
      expect(stored).toHaveLength(2);
      for (const value of stored) {
        expect(value).toMatch(/^v1:k1:/);
        expect(value).not.toContain(secret.slice(6));
        expect(value).not.toContain(rotated.slice(6));
      }
      expect(await repo.getSigningSecrets(created.id, new Date(), userId)).toEqual([rotated, secret]);
      expect((await repo.getWebhookById(created.id, userId))?.secret).toBe(rotated);
    });

    it("rotates keys: old rows open under the new keyring, reencryptSecrets moves them, then the old key can go", async () => {
      const { secret, created } = await webhookUnder([k1]);
      const both = createKeyringCipher([k2, k1]);
      const during = new EncryptedWebhookRepository(fx.repository, both);
      expect((await during.getWebhookById(created.id))?.secret).toBe(secret);
      expect(await checkSecretKeys(fx.store, both)).toEqual(["k1"]);

      const moved = await reencryptSecrets(fx.store, both, { batchSize: 1 });
      expect(moved).toEqual({ scanned: 1, reencrypted: 1 });
      expect(await fx.readStoredSecrets()).toEqual([expect.stringMatching(/^v1:k2:/)]);
      expect(await reencryptSecrets(fx.store, both)).toEqual({ scanned: 1, reencrypted: 0 });

      const onlyK2 = createKeyringCipher([k2]);
      expect(await checkSecretKeys(fx.store, onlyK2)).toEqual(["k2"]);
      const after = new EncryptedWebhookRepository(fx.repository, onlyK2);
      expect((await after.getWebhookById(created.id))?.secret).toBe(secret);
    });

    it("refuses at the check, naming the key, when the keyring lacks a key in use or holds a wrong one", async () => {
      await webhookUnder([k1]);
      const missing = await checkSecretKeys(fx.store, createKeyringCipher([k2])).catch((e: unknown) => e);
      expect(isWebhookError(missing, "secret_key_unknown")).toBe(true);
      expect((missing as Error).message).toContain('"k1"');
      const wrong = await checkSecretKeys(fx.store, createKeyringCipher([key("k1")])).catch((e: unknown) => e);
      expect(isWebhookError(wrong, "secret_undecryptable")).toBe(true);
    });

    it("encrypts secrets written before encryption (plain whsec_ rows) and still reads them until then", async () => {
      const plain = generateSecret(systemRandomBytes);
      const created = await fx.repository.createWebhook({
        user_id: userId,
        url: "https://example.com/hook",
        events: [WebhookEvent.CALL_STARTED],
        secret: plain,
      });
      const cipher = createKeyringCipher([k1]);
      expect((await new EncryptedWebhookRepository(fx.repository, cipher).getWebhookById(created.id))?.secret).toBe(
        plain,
      );
      expect(await reencryptSecrets(fx.store, cipher)).toEqual({ scanned: 1, reencrypted: 1 });
      expect(await fx.readStoredSecrets()).toEqual([expect.stringMatching(/^v1:k1:/)]);
    });
  });
}
