/** Wakes idle delivery workers the moment an event commits, via Postgres LISTEN/NOTIFY (PGlite: polling only). */
import pg from "pg";

export const WEBHOOK_CHANNEL = "vx_webhook_messages";

export interface WebhookListener {
  close(): Promise<void>;
}

/**
 * Calls `onNotify` whenever messages are enqueued, recovered or replayed anywhere on this database.
 * A lost connection is retried every `retryMs`; workers keep polling meanwhile, so nothing waits on it.
 */
export async function listenForWebhookMessages(
  url: string,
  onNotify: () => void,
  options: { retryMs?: number; onError?: (error: unknown) => void } = {},
): Promise<WebhookListener> {
  let closed = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;

  // Tried again until it works: a reconnect that fails while the database is down must not end the retries.
  const reconnectLater = () => {
    if (closed) return;
    retry = setTimeout(() => {
      connect().catch((error: unknown) => {
        options.onError?.(error);
        reconnectLater();
      });
    }, options.retryMs ?? 1000);
  };
  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: url });
    let lost = false;
    next.on("notification", () => onNotify());
    next.on("error", (error) => {
      if (lost || client !== next) return;
      lost = true;
      options.onError?.(error);
      next.end().catch(() => {});
      reconnectLater();
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${WEBHOOK_CHANNEL}`);
    } catch (error) {
      lost = true;
      await next.end().catch(() => {});
      throw error;
    }
    if (closed) {
      await next.end().catch(() => {});
      return;
    }
    client = next;
  };

  await connect();
  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      await client?.end().catch(() => {});
    },
  };
}
