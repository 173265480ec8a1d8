// Receiver process of the webhooks benchmark: answers 200 at once, counts requests, and for bodies carrying
// `sent_at` (epoch ms with fractions) records trigger-to-receipt latency. GET /stats, POST /reset?target=N&tag=T
// (then prints "reached T" once N requests have arrived, so the benchmark need not poll while it measures).
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

let count = 0;
let latencies: number[] = [];
let target = Number.POSITIVE_INFINITY;
let tag = "";
const now = () => performance.timeOrigin + performance.now();

const server = createServer((req, res) => {
  if (req.method === "GET" && req.url === "/stats") {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ count, latencies }));
    return;
  }
  if (req.method === "POST" && req.url?.startsWith("/reset")) {
    const query = new URL(req.url, "http://receiver").searchParams;
    count = 0;
    latencies = [];
    target = Number(query.get("target") ?? Number.POSITIVE_INFINITY);
    tag = query.get("tag") ?? "";
    res.writeHead(204).end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    if (++count === target) process.stdout.write(`reached ${tag}\n`);
    const body = Buffer.concat(chunks).toString("utf8");
    const at = body.includes('"sent_at"') ? /"sent_at":([\d.]+)/.exec(body) : null;
    if (at) latencies.push(now() - Number(at[1]));
    res.writeHead(200, { "content-type": "text/plain" }).end("ok");
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`port ${(server.address() as AddressInfo).port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
