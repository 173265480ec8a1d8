/** The idle-session sweep as a background worker: closes sessions whose call went silent without a hang-up. */
import { PgIvrMenuRepository, PgIvrSessionRepository } from "@vx/db";
import { type IvrEmit, IvrService } from "@vx/ivr";
import type { AppContext } from "../../route-kit.js";

export interface IvrSweepOptions {
  /** How often to sweep (default 60 s). */
  intervalMs?: number;
  /** Silence tolerated beyond the current menu's timeout (default 30 s). */
  graceMs?: number;
  emit?: IvrEmit;
}

export interface IvrSweeper {
  /** One sweep now; resolves to the number of sessions it closed. Overlapping calls share one run. */
  runNow(): Promise<number>;
  /** Stops the timer and waits for a running sweep. */
  stop(): Promise<void>;
}

export function startIvrSweep(ctx: AppContext, options: IvrSweepOptions = {}): IvrSweeper {
  const service = new IvrService({
    menus: new PgIvrMenuRepository(ctx.db),
    sessions: new PgIvrSessionRepository(ctx.db),
    now: ctx.now,
    emit: options.emit,
    onEmitError: (error, e) => ctx.log.warn({ err: error, event: e.event }, "IVR event not emitted"),
  });
  let running: Promise<number> | undefined;
  const runNow = () => {
    running ??= service
      .sweepIdleSessions({ graceMs: options.graceMs ?? 30_000 })
      .then((closed) => {
        if (closed.length > 0) ctx.log.info({ closed: closed.length }, "closed idle IVR sessions");
        return closed.length;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = setInterval(() => {
    runNow().catch((error: unknown) => ctx.log.error({ err: error }, "IVR sweep failed"));
  }, options.intervalMs ?? 60_000);
  timer.unref();
  return {
    runNow,
    async stop() {
      clearInterval(timer);
      await running?.catch(() => {});
    },
  };
}
