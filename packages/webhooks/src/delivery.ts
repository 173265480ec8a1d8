/** One attempt: sign the body for this moment, POST it, and describe what came back. */
import type { HttpSend } from "./http-sender.js";
import { truncateUtf8 } from "./http-sender.js";
import { signHeaders } from "./signature.js";
import type { Clock } from "./system.js";

export interface Delivery {
  /** The webhook-id header: stable across attempts, the receiver's idempotency key. */
  id: string;
  url: string;
  body: string;
  secrets: readonly string[];
  /** The webhook's custom headers: checked when set, so they never replace the ones below. */
  headers?: Readonly<Record<string, string>>;
}

export interface DeliveryOptions {
  send: HttpSend;
  now: Clock;
  timeoutMs: number;
  maxResponseBytes: number;
}

export interface DeliveryResult {
  status_code: number | null;
  response_body: string | null;
  /** Why the attempt failed; null on a 2xx. */
  error: string | null;
  retry_after: string | null;
  duration_ms: number;
}

export const USER_AGENT = "vx-webhooks/1";

export async function deliver(delivery: Delivery, options: DeliveryOptions): Promise<DeliveryResult> {
  const started = options.now();
  const headers = {
    ...delivery.headers,
    "content-type": "application/json",
    "user-agent": USER_AGENT,
    ...signHeaders(delivery.secrets, delivery.id, Math.floor(started.getTime() / 1000), delivery.body),
  };
  try {
    const response = await options.send({
      url: delivery.url,
      headers,
      body: delivery.body,
      timeoutMs: options.timeoutMs,
    });
    const ok = response.status >= 200 && response.status < 300;
    return {
      status_code: response.status,
      response_body: truncateUtf8(response.body, options.maxResponseBytes),
      error: ok ? null : `the endpoint answered HTTP ${response.status}`,
      retry_after: response.headers["retry-after"] ?? null,
      duration_ms: elapsed(started, options.now),
    };
  } catch (error) {
    return {
      status_code: null,
      response_body: null,
      error: describeFailure(error, options.timeoutMs),
      retry_after: null,
      duration_ms: elapsed(started, options.now),
    };
  }
}

function describeFailure(error: unknown, timeoutMs: number): string {
  const err = error as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === "TimeoutError" || err?.name === "AbortError") return `no response within ${timeoutMs} ms`;
  const code = err?.code ?? err?.cause?.code;
  const message = err?.message ?? String(error);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

function elapsed(started: Date, now: Clock): number {
  return Math.max(0, now().getTime() - started.getTime());
}
