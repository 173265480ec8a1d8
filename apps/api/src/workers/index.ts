/** Background work (webhook deliveries, retries, clean-ups): started by `vx serve` and `vx worker`. */
import type { AppContext } from "../context.js";

export interface BackgroundWorkers {
  /** Finishes in-flight work and stops; called by graceful shutdown. */
  stop(): Promise<void>;
}

export async function startBackgroundWorkers(_ctx: AppContext): Promise<BackgroundWorkers> {
  return { stop: async () => {} };
}
