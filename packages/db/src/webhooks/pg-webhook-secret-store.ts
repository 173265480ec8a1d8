/**
 * PgWebhookSecretStore: the stored webhook secrets as they are, for re-encryption under a new key and the start-up
 * key check (the WebhookSecretStore port). Runs on the connection role: it reads every user's rows.
 */
import type { StoredSecret, WebhookSecretStore } from "@vx/webhooks";
import type { Queryable } from "../queryable.js";

const STORED = `
  SELECT w.id AS webhook_id, 'current' AS kind, w.secret AS stored FROM public.webhooks w
  UNION ALL
  SELECT p.webhook_id, 'previous', p.secret FROM public.webhook_previous_secrets p`;

const sql = {
  /** A page of webhooks by id, with their current and previous secrets. */
  list: `
    WITH page AS (
      SELECT id FROM public.webhooks WHERE $1::uuid IS NULL OR id > $1 ORDER BY id LIMIT $2
    )
    SELECT s.webhook_id, s.kind, s.stored FROM (${STORED}) s JOIN page ON page.id = s.webhook_id
    ORDER BY s.webhook_id, s.kind`,

  /** One value per key id in use (`v1:<kid>:…`), and one plain value if any. */
  sample: `
    SELECT DISTINCT ON (CASE WHEN s.stored LIKE 'v1:%' THEN split_part(s.stored, ':', 2) END)
      s.webhook_id, s.kind, s.stored
    FROM (${STORED}) s`,

  /** Compare-and-set: a rotation that changed the value meanwhile wins. */
  replaceCurrent: "UPDATE public.webhooks SET secret = $3 WHERE id = $1 AND secret = $2",
  replacePrevious: "UPDATE public.webhook_previous_secrets SET secret = $3 WHERE webhook_id = $1 AND secret = $2",
} as const;

export class PgWebhookSecretStore implements WebhookSecretStore {
  constructor(private readonly db: Queryable) {}

  async listStoredSecrets(afterWebhookId: string | null, limit: number): Promise<StoredSecret[]> {
    return (await this.db.query<StoredSecret>(sql.list, [afterWebhookId, limit])).rows;
  }

  async sampleStoredSecrets(): Promise<StoredSecret[]> {
    return (await this.db.query<StoredSecret>(sql.sample, [])).rows;
  }

  async replaceStoredSecret(secret: StoredSecret, next: string): Promise<boolean> {
    const text = secret.kind === "current" ? sql.replaceCurrent : sql.replacePrevious;
    return (await this.db.query(text, [secret.webhook_id, secret.stored, next])).rowCount > 0;
  }
}
