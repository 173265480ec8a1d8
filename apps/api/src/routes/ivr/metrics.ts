/** IVR counters on /metrics: steps by event and outcome, and sessions ended by status. */
import { type IvrEmit, isIvrError } from "@vx/ivr";
import { Counter } from "prom-client";
import type { AppContext } from "../../route-kit.js";

export interface IvrStepCounter {
  /** Runs one step and counts it: outcome `ok`, or the IvrError code that refused it. */
  count<T>(event: string, step: () => Promise<T>): Promise<T>;
  /** Wraps the event sink so every `ivr.session.ended` is counted by status, whoever consumes the events. */
  observe(emit: IvrEmit | undefined): IvrEmit;
}

export function ivrMetrics(ctx: AppContext): IvrStepCounter {
  const steps = new Counter({
    name: "vx_ivr_steps_total",
    help: "IVR session steps by event (start, digits, timeout, back, end, twilio) and outcome",
    labelNames: ["event", "outcome"] as const,
    registers: [ctx.metrics.registry],
  });
  const ended = new Counter({
    name: "vx_ivr_sessions_ended_total",
    help: "IVR sessions ended, by status (completed, abandoned, failed, timeout)",
    labelNames: ["status"] as const,
    registers: [ctx.metrics.registry],
  });
  return {
    async count(event, step) {
      try {
        const result = await step();
        steps.inc({ event, outcome: "ok" });
        return result;
      } catch (error) {
        steps.inc({ event, outcome: isIvrError(error) ? error.code : "error" });
        throw error;
      }
    },
    observe(emit) {
      return (event, payload, context) => {
        if (event === "ivr.session.ended") ended.inc({ status: String(payload.status) });
        return emit?.(event, payload, context);
      };
    },
  };
}
