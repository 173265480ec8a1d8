// `vx archive`: what retention would delete goes to gzipped NDJSON (and an S3-compatible bucket) before it is
// deleted, and `vx archive restore` brings it back.
import { createHash } from "node:crypto";
import { readFile, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { restoreArchive } from "@vx/db";
import { createUser, describeDatabases } from "@vx/db/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { archiveThenDelete } from "../src/commands/archive.js";
import { testConfig } from "../src/testing.js";

const DAY = 24 * 60 * 60 * 1000;
const monthStart = (months: number) => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + months, 1));
};

/** A stand-in for an S3-compatible bucket on 127.0.0.1: keeps what is PUT, with its headers. */
async function startBucket(): Promise<{
  url: string;
  puts: { path: string; headers: IncomingMessage["headers"]; body: Buffer }[];
  server: Server;
}> {
  const puts: { path: string; headers: IncomingMessage["headers"]; body: Buffer }[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    puts.push({ path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks) });
    res.writeHead(req.method === "PUT" ? 200 : 405).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/bucket/vx`, puts, server };
}

describeDatabases("vx archive", ({ db }) => {
  const dir = join(tmpdir(), `vx-archive-${process.pid}-${Date.now()}`);
  let bucket: Awaited<ReturnType<typeof startBucket>>;
  beforeAll(async () => {
    bucket = await startBucket();
  });
  afterAll(async () => {
    await new Promise((resolve) => bucket.server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it("archives what retention deletes, uploads it, deletes it, and restores it", async () => {
    const userId = await createUser(db());
    const { rows } = await db().query<{ id: string }>(
      "INSERT INTO webhooks (user_id, url, events, secret) VALUES ($1, 'https://example.com/h', '{call.started}', " +
        "'whsec_0123456789abcdef') RETURNING id",
      [userId],
    );
    const webhook = rows[0]!.id;
    // Retention runs six months ahead: with 90 days, months 1 and 2 have expired whole, month 3 holds the cutoff.
    const now = new Date(monthStart(6).getTime() + 10 * DAY);
    const logs = {
      old: new Date(Date.now() - 200 * DAY), // before the first month: trimmed row by row
      month1: new Date(monthStart(1).getTime() + 5 * DAY), // an expired month: dropped whole
      month3: new Date(monthStart(3).getTime() + DAY), // the month holding the cutoff: kept
    };
    await db().query(
      "INSERT INTO webhook_logs (webhook_id, event, payload, created_at) " +
        "SELECT $1, 'call.started', jsonb_build_object('at', t), t FROM unnest($2::timestamptz[]) t",
      [webhook, Object.values(logs)],
    );
    const readLogs = async () =>
      (
        await db().query<{ created_at: Date; payload: { at: string } }>(
          "SELECT created_at, payload FROM webhook_logs WHERE webhook_id = $1 ORDER BY created_at",
          [webhook],
        )
      ).rows.map((r) => [r.created_at.toISOString(), r.payload.at]);
    const before = await readLogs();

    const config = testConfig({
      retention: { webhook_logs: 90, audit_logs: null, ivr_sessions: null },
      archiveS3: { url: bucket.url, region: "eu-west-1", accessKeyId: "AKIDTEST", secretAccessKey: "secret" },
    });
    const files = await archiveThenDelete(db(), config, { dir, now });
    expect(files.map((f) => [f.target, f.rows])).toEqual([["webhook_logs", 2]]);

    const ndjson = gunzipSync(await readFile(files[0]!.file))
      .toString()
      .trim()
      .split("\n");
    expect(ndjson.map((line) => new Date(JSON.parse(line).created_at).toISOString())).toEqual([
      logs.old.toISOString(),
      logs.month1.toISOString(),
    ]);
    expect(await readLogs()).toEqual(before.slice(2));

    // The upload: one signed PUT per file, the body the file's bytes, its hash in the signed header.
    expect(bucket.puts).toHaveLength(1);
    const [put] = bucket.puts;
    expect(put!.path).toBe(`/bucket/vx/${files[0]!.file.split("/").at(-1)}`);
    expect(put!.body.equals(await readFile(files[0]!.file))).toBe(true);
    expect(put!.headers["x-amz-content-sha256"]).toBe(createHash("sha256").update(put!.body).digest("hex"));
    expect(put!.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/eu-west-1\/s3\/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/,
    );

    expect(await restoreArchive(db(), files[0]!.file)).toEqual({ target: "webhook_logs", restored: 2, skipped: 0 });
    expect(await readLogs()).toEqual(before);
    // A second restore finds every row there already.
    expect(await restoreArchive(db(), files[0]!.file)).toEqual({ target: "webhook_logs", restored: 0, skipped: 2 });
  });
});
