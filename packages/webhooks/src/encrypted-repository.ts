/**
 * EncryptedWebhookRepository: any WebhookRepository with its secrets encrypted at rest. Secrets are encrypted on the
 * way in (create, rotate) and decrypted on the way out (webhooks, claims, signing secrets), so every adapter (Postgres,
 * PGlite, Supabase) stores only ciphertext and the service and workers see plain `whsec_` secrets.
 */
import type {
  AttemptRecord,
  ClaimedMessage,
  ClaimOptions,
  EnqueueInput,
  EnqueueResult,
  LogPosition,
  MessageListOptions,
  NewWebhook,
  NewWebhookLog,
  QueueStats,
  RecordOptions,
  Webhook,
  WebhookFilters,
  WebhookLog,
  WebhookMessage,
  WebhookStatsBucket,
  WebhookUpdates,
} from "./model.js";
import type { WebhookRepository } from "./repository.js";
import type { SecretCipher } from "./secret-cipher.js";

/** Decrypted secrets kept per repository: a worker claims the same webhooks' secrets over and over. */
const MAX_OPENED = 10_000;

export class EncryptedWebhookRepository<Tx = unknown> implements WebhookRepository<Tx> {
  // AES-GCM costs about 11 µs a secret (measured): a long-lived worker's claims skip it after the first.
  private readonly opened = new Map<string, string>();

  constructor(
    private readonly inner: WebhookRepository<Tx>,
    private readonly cipher: SecretCipher,
  ) {}

  async createWebhook(data: NewWebhook): Promise<Webhook> {
    return this.open(await this.inner.createWebhook({ ...data, secret: this.cipher.encrypt(data.secret) }));
  }

  async getWebhookById(id: string, userId?: string): Promise<Webhook | null> {
    return this.openOrNull(await this.inner.getWebhookById(id, userId));
  }

  async getWebhooks(filters?: WebhookFilters): Promise<Webhook[]> {
    return (await this.inner.getWebhooks(filters)).map((webhook) => this.open(webhook));
  }

  async updateWebhook(id: string, updates: WebhookUpdates, userId?: string): Promise<Webhook | null> {
    return this.openOrNull(await this.inner.updateWebhook(id, updates, userId));
  }

  deleteWebhook(id: string, userId?: string): Promise<boolean> {
    return this.inner.deleteWebhook(id, userId);
  }

  async rotateSecret(id: string, secret: string, previousValidUntil: Date, userId?: string): Promise<Webhook | null> {
    const sealed = this.cipher.encrypt(secret);
    return this.openOrNull(await this.inner.rotateSecret(id, sealed, previousValidUntil, userId));
  }

  createWebhookLog(log: NewWebhookLog): Promise<WebhookLog> {
    return this.inner.createWebhookLog(log);
  }

  getWebhookLogs(webhookId: string, limit?: number, userId?: string, before?: LogPosition): Promise<WebhookLog[]> {
    return this.inner.getWebhookLogs(webhookId, limit, userId, before);
  }

  async getSigningSecrets(webhookId: string, now: Date, userId?: string): Promise<string[]> {
    return (await this.inner.getSigningSecrets(webhookId, now, userId)).map((s) => this.decrypt(s));
  }

  enqueue(input: EnqueueInput, tx?: Tx): Promise<EnqueueResult> {
    return this.inner.enqueue(input, tx);
  }

  async claim(options: ClaimOptions): Promise<ClaimedMessage[]> {
    return (await this.inner.claim(options)).map((message) => ({
      ...message,
      secrets: message.secrets.map((s) => this.decrypt(s)),
    }));
  }

  record(attempts: AttemptRecord[], options: RecordOptions): Promise<number> {
    return this.inner.record(attempts, options);
  }

  recover(webhookId: string, since: Date, now: Date, userId?: string): Promise<number> {
    return this.inner.recover(webhookId, since, now, userId);
  }

  replay(messageId: string, now: Date, userId?: string): Promise<WebhookMessage | null> {
    return this.inner.replay(messageId, now, userId);
  }

  getMessage(id: string, userId?: string): Promise<WebhookMessage | null> {
    return this.inner.getMessage(id, userId);
  }

  listMessages(webhookId: string, options: MessageListOptions, userId?: string): Promise<WebhookMessage[]> {
    return this.inner.listMessages(webhookId, options, userId);
  }

  getMessageAttempts(messageId: string, userId?: string): Promise<WebhookLog[]> {
    return this.inner.getMessageAttempts(messageId, userId);
  }

  queueStats(now: Date): Promise<QueueStats> {
    return this.inner.queueStats(now);
  }

  getStats(webhookId: string, since: Date, until: Date, userId?: string): Promise<WebhookStatsBucket[]> {
    return this.inner.getStats(webhookId, since, until, userId);
  }

  purgeEvents(before: Date, limit: number): Promise<number> {
    return this.inner.purgeEvents(before, limit);
  }

  private open(webhook: Webhook): Webhook {
    return { ...webhook, secret: this.decrypt(webhook.secret) };
  }

  private decrypt(stored: string): string {
    let plain = this.opened.get(stored);
    if (plain === undefined) {
      plain = this.cipher.decrypt(stored);
      if (this.opened.size >= MAX_OPENED) this.opened.clear();
      this.opened.set(stored, plain);
    }
    return plain;
  }

  private openOrNull(webhook: Webhook | null): Webhook | null {
    return webhook && this.open(webhook);
  }
}
