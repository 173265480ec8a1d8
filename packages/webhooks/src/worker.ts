/** DeliveryWorker: claims due messages, sends them, records each attempt and schedules the next. */
import { type DeliveryResult, deliver } from "./delivery.js";
import { createHttpSender, type HttpSend, type HttpSender, MAX_RESPONSE_BYTES } from "./http-sender.js";
import type { AttemptOutcome, AttemptRecord, ClaimedMessage } from "./model.js";
import type { WebhookRepository } from "./repository.js";
import { DEFAULT_JITTER, DEFAULT_RETRY_SCHEDULE_MS, decideNext, type RetryPolicy } from "./retry-policy.js";
import { type Clock, type Random, type RandomBytes, systemClock, systemRandom, systemRandomBytes } from "./system.js";

export interface DeliveryWorkerOptions {
  // biome-ignore lint/suspicious/noExplicitAny: the worker never passes a transaction, so any adapter fits
  repository: WebhookRepository<any>;
  /** Default: undici, refusing private addresses unless allowPrivateUrls. */
  send?: HttpSend;
  allowPrivateUrls?: boolean;
  now?: Clock;
  random?: Random;
  randomBytes?: RandomBytes;
  /** Names this worker's claims; default random. */
  workerId?: string;
  /** Delay before attempt n+1 at index n; default immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
  schedule?: readonly number[];
  /** ±fraction of each delay; default 0.2. */
  jitter?: number;
  /** Messages claimed per query; default 50. */
  batchSize?: number;
  /** Messages being sent or recorded at once; default 2 × batchSize. */
  maxInFlight?: number;
  /** Per-request timeout; default 15 s. */
  timeoutMs?: number;
  /** How long a claim holds before another worker may retry the message; default 2 × timeoutMs. */
  leaseMs?: number;
  /** How often an idle worker looks for due messages; default 500 ms (wake() and NOTIFY start it sooner). */
  pollIntervalMs?: number;
  /**
   * After a claim that found fewer than it asked for, claim again no sooner than this, so a steady stream is
   * claimed in batches and wake-ups do not cause empty claims. Default 25 ms (an idle worker still claims at once
   * when woken: this only paces the claims that follow); 0 disables.
   */
  gatherMs?: number;
  /**
   * Record statements on their way at once. While they run, finished attempts gather for the next one: fewer,
   * larger transactions. Default 1.
   */
  maxConcurrentRecords?: number;
  /**
   * Before a record statement, while fewer than batchSize attempts have finished, wait this long for more. A record
   * costs Postgres about the same fixed work however few attempts it carries, and with several worker processes each
   * finishes only a few at a time. Default 20 ms (an attempt's log row appears that much later; delivery is not
   * delayed); 0 disables. With 4 processes, 20 ms instead of 5 cut Postgres CPU per delivery by about 8 %.
   */
  recordGatherMs?: number;
  /** A webhook whose attempts all failed for this long is disabled; default 5 days. */
  disableAfterMs?: number;
  maxResponseBytes?: number;
  /** Called once per attempt, for metrics and logs. */
  onAttempt?: (attempt: AttemptReport) => void;
  /** Called when a claim or a record fails; the loop carries on and leases make the work come back. */
  onError?: (error: unknown) => void;
}

export interface AttemptReport {
  message_id: string;
  webhook_id: string;
  event: string;
  attempt_number: number;
  outcome: AttemptOutcome;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}

export const DEFAULT_DISABLE_AFTER_MS = 5 * 24 * 60 * 60 * 1000;
/** Messages a worker claims per query unless told otherwise; it keeps twice as many in flight. */
export const DEFAULT_BATCH_SIZE = 50;

export class DeliveryWorker {
  readonly workerId: string;
  private readonly repository: WebhookRepository<unknown>;
  private readonly now: Clock;
  private readonly policy: RetryPolicy;
  private readonly batchSize: number;
  private readonly maxInFlight: number;
  private readonly timeoutMs: number;
  private readonly leaseMs: number;
  private readonly pollIntervalMs: number;
  private readonly gatherMs: number;
  private readonly maxConcurrentRecords: number;
  private readonly recordGatherMs: number;
  private readonly disableAfterMs: number;
  private readonly options: DeliveryWorkerOptions;
  private sender?: HttpSender;
  private running = false;
  private loopDone?: Promise<void>;
  private readonly inFlight = new Set<Promise<void>>();
  private wakeRequested = false;
  private pacing?: Promise<void>;
  private signal?: () => void;
  private pending: { record: AttemptRecord; done: () => void }[] = [];
  private flushes = 0;

  constructor(options: DeliveryWorkerOptions) {
    this.options = options;
    this.repository = options.repository;
    this.now = options.now ?? systemClock;
    this.policy = {
      schedule: options.schedule ?? DEFAULT_RETRY_SCHEDULE_MS,
      jitter: options.jitter ?? DEFAULT_JITTER,
      random: options.random ?? systemRandom,
    };
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    this.maxInFlight = Math.max(options.maxInFlight ?? this.batchSize * 2, 1);
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.leaseMs = options.leaseMs ?? this.timeoutMs * 2;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.gatherMs = options.gatherMs ?? 25;
    this.maxConcurrentRecords = Math.max(options.maxConcurrentRecords ?? 1, 1);
    this.recordGatherMs = options.recordGatherMs ?? 20;
    this.disableAfterMs = options.disableAfterMs ?? DEFAULT_DISABLE_AFTER_MS;
    const random = options.randomBytes ?? systemRandomBytes;
    this.workerId = options.workerId ?? `worker-${Buffer.from(random(6)).toString("hex")}`;
  }

  /** Claims one batch, sends it and records every attempt. Returns how many messages it claimed. */
  async runOnce(): Promise<number> {
    const claimed = await this.claim(this.batchSize);
    await Promise.all(claimed.map((message) => this.process(message)));
    return claimed.length;
  }

  /** Delivers until stop(): claims whenever there is room, sleeps when nothing is due. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  /** Look for due messages now (an event was just enqueued). */
  wake(): void {
    this.wakeRequested = true;
    this.signal?.();
  }

  /** Stops claiming, and waits for the attempts in flight to be sent and recorded. */
  async stop(): Promise<void> {
    this.running = false;
    this.signal?.();
    await this.loopDone;
    await Promise.all([...this.inFlight]);
    await this.sender?.close();
    this.sender = undefined;
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const room = this.maxInFlight - this.inFlight.size;
      if (room < Math.min(this.batchSize, Math.ceil(this.maxInFlight / 2))) {
        // Full: wait for an attempt to finish (a wake-up cannot make room).
        await Promise.race(this.inFlight);
        continue;
      }
      let claimed: ClaimedMessage[];
      try {
        claimed = await this.claim(Math.min(room, this.batchSize));
      } catch (error) {
        this.options.onError?.(error);
        await this.sleep(this.pollIntervalMs);
        continue;
      }
      for (const message of claimed) this.track(this.process(message));
      // After a partial or empty claim the next one waits at least gatherMs, wake-ups included: a steady stream is
      // claimed in batches, and a NOTIFY waking every worker does not turn into a storm of empty claims.
      this.pacing =
        claimed.length < Math.min(room, this.batchSize) && this.gatherMs > 0 ? delay(this.gatherMs) : undefined;
      if (claimed.length === 0) await this.sleep(this.pollIntervalMs);
      await this.pacing;
    }
  }

  private claim(limit: number): Promise<ClaimedMessage[]> {
    this.wakeRequested = false;
    return this.repository.claim({ workerId: this.workerId, limit, now: this.now(), leaseMs: this.leaseMs });
  }

  private track(work: Promise<void>): void {
    const tracked = work.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  /** Sends one claimed message and resolves once its attempt is recorded (or the record failed). */
  private async process(message: ClaimedMessage): Promise<void> {
    const result = message.enabled ? await this.send(message) : disabledResult();
    // Messages of a disabled webhook fail without a request; recover() brings them back once it is enabled.
    const decision = message.enabled
      ? decideNext(result, message, this.policy, this.now())
      : { outcome: "failed" as const, next_attempt_at: null, disable_reason: null };
    try {
      this.options.onAttempt?.({
        message_id: message.id,
        webhook_id: message.webhook_id,
        event: message.event,
        attempt_number: message.attempt_number,
        outcome: decision.outcome,
        status_code: result.status_code,
        error: result.error,
        duration_ms: result.duration_ms,
      });
    } catch (error) {
      // A metrics callback that throws must not lose the attempt's record.
      this.options.onError?.(error);
    }
    await this.record({
      message_id: message.id,
      attempt_number: message.attempt_number,
      status_code: result.status_code,
      response_body: result.response_body,
      error: result.error,
      ...decision,
      duration_ms: message.enabled ? result.duration_ms : null,
    });
  }

  private send(message: ClaimedMessage): Promise<DeliveryResult> {
    return deliver(
      { id: message.id, url: message.url, body: message.body, secrets: message.secrets, headers: message.headers },
      {
        send: this.httpSend(),
        now: this.now,
        timeoutMs: this.timeoutMs,
        maxResponseBytes: this.options.maxResponseBytes ?? MAX_RESPONSE_BYTES,
      },
    );
  }

  /**
   * Records are batched: whatever finished while earlier writes were running, or within recordGatherMs, goes in the
   * next one (at most maxConcurrentRecords writes at once).
   */
  private record(record: AttemptRecord): Promise<void> {
    return new Promise((done) => {
      this.pending.push({ record, done });
      if (this.flushes < this.maxConcurrentRecords) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushes++;
    while (this.pending.length > 0) {
      if (this.recordGatherMs > 0 && this.pending.length < this.batchSize) await delay(this.recordGatherMs);
      const batch = this.pending;
      this.pending = [];
      try {
        await this.repository.record(
          batch.map((item) => item.record),
          { workerId: this.workerId, now: this.now(), disableAfterMs: this.disableAfterMs },
        );
      } catch (error) {
        this.options.onError?.(error);
      }
      for (const item of batch) item.done();
    }
    this.flushes--;
  }

  private sleep(ms: number): Promise<void> {
    if (this.wakeRequested || !this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(finish, ms);
      const self = this;
      function finish(): void {
        clearTimeout(timer);
        self.signal = undefined;
        resolve();
      }
      this.signal = finish;
    });
  }

  private httpSend(): HttpSend {
    if (this.options.send) return this.options.send;
    this.sender ??= createHttpSender({ allowPrivateUrls: this.options.allowPrivateUrls });
    return this.sender.send;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function disabledResult(): DeliveryResult {
  return {
    status_code: null,
    response_body: null,
    error: "not sent: the webhook is disabled",
    retry_after: null,
    duration_ms: 0,
  };
}
