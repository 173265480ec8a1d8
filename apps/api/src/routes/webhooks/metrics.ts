/** Webhook metrics on /metrics: deliveries by outcome, attempt latency, queue depth and the oldest due message. */
import type { WebhookRepository } from "@vx/webhooks";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { withinScrapeBudget } from "../../http/metrics.js";

export interface DeliveryMetrics {
  deliveries: Counter<"outcome">;
  attemptSeconds: Histogram<"outcome">;
}

/** The attempt counters; shared by every worker of the process, created on first use. */
export function deliveryMetrics(registry: Registry): DeliveryMetrics {
  const deliveries =
    (registry.getSingleMetric("vx_webhook_deliveries_total") as Counter<"outcome"> | undefined) ??
    new Counter({
      name: "vx_webhook_deliveries_total",
      help: "Webhook delivery attempts by outcome (delivered, retry, failed)",
      labelNames: ["outcome"] as const,
      registers: [registry],
    });
  const attemptSeconds =
    (registry.getSingleMetric("vx_webhook_attempt_duration_seconds") as Histogram<"outcome"> | undefined) ??
    new Histogram({
      name: "vx_webhook_attempt_duration_seconds",
      help: "Time from sending a webhook request to its answer (or failure), by outcome",
      labelNames: ["outcome"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
      registers: [registry],
    });
  return { deliveries, attemptSeconds };
}

/** Queue gauges, read from the database at each scrape. */
// biome-ignore lint/suspicious/noExplicitAny: the gauges never pass a transaction
export function queueMetrics(registry: Registry, repository: WebhookRepository<any>, now: () => Date): void {
  if (registry.getSingleMetric("vx_webhook_queue_depth")) return;
  let pending: Promise<{ depth: number; due: number; oldest_due_age_ms: number }> | undefined;
  // Both gauges are collected in one scrape: share one query.
  const stats = () => {
    pending ??= repository.queueStats(now()).finally(() => {
      pending = undefined;
    });
    return pending;
  };
  new Gauge({
    name: "vx_webhook_queue_depth",
    help: "Webhook messages waiting or being sent",
    registers: [registry],
    async collect() {
      const read = await withinScrapeBudget(stats());
      if (read) this.set(read.depth);
    },
  });
  new Gauge({
    name: "vx_webhook_oldest_due_age_seconds",
    help: "How long the oldest due webhook message has waited (0 when none is due)",
    registers: [registry],
    async collect() {
      const read = await withinScrapeBudget(stats());
      if (read) this.set(read.oldest_due_age_ms / 1000);
    },
  });
}
