/** A webhook receiver on 127.0.0.1 for tests: records every request and answers as the test says. */
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  body: string;
  /** 1 for the first request the receiver saw. */
  sequence: number;
}

export interface ReceiverAnswer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

export interface ReceiverOptions {
  /** How to answer each request; default 200 "ok". May return a promise (a slow endpoint). */
  respond?: (request: ReceivedRequest) => ReceiverAnswer | Promise<ReceiverAnswer>;
}

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  /** Distinct webhook-id values seen, in arrival order. */
  deliveredIds(): string[];
  /** Resolves once `count` requests have arrived (no timers: the test's timeout bounds it). */
  waitForRequests(count: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

export async function startReceiver(options: ReceiverOptions = {}): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const waiters: { count: number; resolve: (r: ReceivedRequest[]) => void }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      const request: ReceivedRequest = {
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        sequence: requests.length + 1,
      };
      requests.push(request);
      for (const waiter of waiters.filter((w) => requests.length >= w.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve([...requests]);
      }
      try {
        const answer = (await options.respond?.(request)) ?? { status: 200, body: "ok" };
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body ?? "");
      } catch {
        res.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    deliveredIds: () => [...new Set(requests.map((r) => String(r.headers["webhook-id"])))],
    waitForRequests(count) {
      if (requests.length >= count) return Promise.resolve([...requests]);
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
