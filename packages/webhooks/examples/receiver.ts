// A webhook receiver for local development: prints each delivery and whether its signature verifies.
// Run: WEBHOOK_SECRET=whsec_… npx tsx packages/webhooks/examples/receiver.ts   (listens on 127.0.0.1:4000)
import { createServer } from "node:http";
import { verifyWebhook } from "@vx/webhooks";

const secret = process.env.WEBHOOK_SECRET;
const port = Number(process.env.PORT ?? 4000);
const seen = new Set<string>();

createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    const id = String(req.headers["webhook-id"]);
    let verdict = "not checked (set WEBHOOK_SECRET)";
    if (secret) {
      try {
        verifyWebhook(secret, req.headers, body);
        verdict = "valid";
      } catch (error) {
        verdict = `INVALID: ${(error as Error).message}`;
      }
    }
    // webhook-id is the same on every retry: a receiver processes each id once.
    const duplicate = seen.has(id);
    seen.add(id);
    console.log(`${req.method} ${req.url} webhook-id=${id}${duplicate ? " (duplicate, ignored)" : ""}`);
    console.log(`  webhook-timestamp: ${req.headers["webhook-timestamp"]}`);
    console.log(`  webhook-signature: ${req.headers["webhook-signature"]} -> ${verdict}`);
    console.log(`  body: ${body}`);
    res.writeHead(verdict.startsWith("INVALID") ? 400 : 200).end("ok");
  });
}).listen(port, "127.0.0.1", () => console.log(`receiver on http://127.0.0.1:${port}/hook`));
