// A webhook receiver on 127.0.0.1, written as a user of the platform would: verify the signature, keep the event.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { verifyWebhook } from "@vx/webhooks";

export interface ReceivedEvent {
  webhookId: string;
  type: string;
  data: unknown;
}

export interface Receiver {
  url: string;
  events: ReceivedEvent[];
  /** Deliveries whose signature did not verify; the example expects none. */
  rejected: string[];
  /** Which webhook secret deliveries are verified with (set once the webhook exists). */
  useSecret(secret: string): void;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  let secret = "";
  const events: ReceivedEvent[] = [];
  const rejected: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      try {
        // The parsed body, typed unknown by the package: deliveries are {"type", "timestamp", "data"}.
        const event = verifyWebhook(secret, req.headers, Buffer.concat(chunks)) as { type: string; data: unknown };
        events.push({ webhookId: String(req.headers["webhook-id"]), type: event.type, data: event.data });
        res.end("ok");
      } catch (error) {
        rejected.push((error as Error).message);
        res.statusCode = 400;
        res.end("bad signature");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhook`,
    events,
    rejected,
    useSecret(value) {
      secret = value;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
