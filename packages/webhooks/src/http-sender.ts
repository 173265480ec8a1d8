/** The default way deliveries leave: undici with keep-alive, a per-request timeout and a DNS check on connect. */
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from "node:dns";
import { isIP } from "node:net";
import type { Agent } from "undici";
import { isPrivateAddress } from "./private-address.js";

export interface HttpRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

export interface HttpResponse {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** At most the sender's response limit, decoded as UTF-8. */
  body: string;
}

/** Sends one POST; rejects on a connection error, a refused address or a timeout. */
export type HttpSend = (request: HttpRequest) => Promise<HttpResponse>;

export interface HttpSender {
  send: HttpSend;
  close(): Promise<void>;
}

export interface HttpSenderOptions {
  /** Connect to loopback, private, link-local and metadata addresses too (tests, local development). */
  allowPrivateUrls?: boolean;
  /** Response bytes kept; the rest is discarded. Default 4 KiB. */
  maxResponseBytes?: number;
  /** Sockets per origin. Default 64. */
  connections?: number;
}

export const MAX_RESPONSE_BYTES = 4096;

export function createHttpSender(options: HttpSenderOptions = {}): HttpSender {
  const allowPrivate = options.allowPrivateUrls ?? false;
  const limit = options.maxResponseBytes ?? MAX_RESPONSE_BYTES;
  // undici (over 100 modules) loads with the first delivery, not with every process that merely can deliver:
  // a tenth of a second of each API start.
  let client: Promise<{ agent: Agent; request: typeof import("undici").request }> | undefined;
  const connect = () =>
    (client ??= import("undici").then(({ Agent, request }) => ({
      agent: new Agent({
        connections: options.connections ?? 64,
        keepAliveTimeout: 30_000,
        // Checking the resolved addresses at connect time is what defeats DNS rebinding.
        connect: allowPrivate ? {} : { lookup: publicOnlyLookup },
      }),
      request,
    })));
  return {
    async send(req) {
      if (!allowPrivate) refuseLiteralPrivateHost(req.url);
      const { agent, request } = await connect();
      const response = await request(req.url, {
        method: "POST",
        headers: req.headers,
        body: req.body,
        dispatcher: agent,
        signal: AbortSignal.timeout(req.timeoutMs),
      });
      return {
        status: response.statusCode,
        headers: flattenHeaders(response.headers),
        body: await readLimited(response.body, limit),
      };
    },
    // destroy, not close: a socket left hanging by a timed-out request must not hold shutdown.
    close: async () => {
      if (client) await (await client).agent.destroy();
    },
  };
}

/** DNS addresses of a host: the check `checkWebhookUrl` runs at create time. */
export function resolveHost(hostname: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses.map((a) => a.address)),
    );
  });
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

function publicOnlyLookup(hostname: string, options: object, callback: LookupCallback): void {
  dnsLookup(hostname, { ...(options as LookupAllOptions), all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const bad = addresses.find((a) => isPrivateAddress(a.address));
    if (bad) return callback(privateAddressError(hostname, bad.address), []);
    if ((options as { all?: boolean }).all) return callback(null, addresses);
    const first = addresses[0];
    if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: "ENOTFOUND" }), []);
    callback(null, first.address, first.family);
  });
}

function refuseLiteralPrivateHost(url: string): void {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
  if (isIP(host) && isPrivateAddress(host)) throw privateAddressError(host, host);
}

function privateAddressError(hostname: string, address: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`refused to connect to ${hostname}: ${address} is a private or local address`), {
    code: "EPRIVATEADDRESS",
  });
}

async function readLimited(
  body: AsyncIterable<Uint8Array> & { dump(): Promise<void> },
  limit: number,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(Buffer.from(chunk));
    size += chunk.length;
    if (size >= limit) break;
  }
  // Discarding the rest (up to undici's dump limit) keeps the connection reusable.
  await body.dump().catch(() => {});
  return truncateUtf8(Buffer.concat(chunks).toString("utf8"), limit);
}

/** At most `limit` bytes of UTF-8, never cutting a character in half. */
export function truncateUtf8(text: string, limit: number): string {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length <= limit) return text;
  return bytes
    .subarray(0, limit)
    .toString("utf8")
    .replace(/\uFFFD$/, "");
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return flat;
}
