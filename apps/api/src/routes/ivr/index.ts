/**
 * IVR under /v1/ivr: menus (user JWT or API key, through RLS), sessions driven over HTTP, and the Twilio voice
 * webhook (form-encoded, signature-checked). Registered by the app under /v1.
 */
import formbody from "@fastify/formbody";
import { PgIvrMenuRepository, PgIvrSessionRepository } from "@vx/db";
import { IvrService } from "@vx/ivr";
import type { AppContext, RoutePlugin, ZodApp } from "../../route-kit.js";
import { createWebhookEmitter } from "../webhooks/index.js";
import { IVR_PROBLEMS } from "./errors.js";
import { menuRoutes } from "./menu-routes.js";
import { ivrMetrics } from "./metrics.js";
import { sessionRoutes } from "./session-routes.js";
import type { IvrRouteOptions } from "./settings.js";
import { twilioRoutes } from "./twilio-routes.js";

export type { IvrRouteOptions } from "./settings.js";

export function createIvrRoutes(options: IvrRouteOptions = {}): RoutePlugin {
  return async (app: ZodApp, ctx: AppContext) => {
    ctx.errors.register(IVR_PROBLEMS);
    if (!options.twilioAuthToken && ctx.config.production) {
      ctx.log.warn("TWILIO_AUTH_TOKEN is not set: the Twilio voice endpoint accepts unsigned requests");
    }
    const steps = ivrMetrics(ctx);
    // One service for session steps on the connection role: sessions are system data, and each step is two
    // single statements (read, compare-and-set write) with no transaction held open.
    const sessions = new IvrService({
      menus: new PgIvrMenuRepository(ctx.db),
      sessions: new PgIvrSessionRepository(ctx.db),
      now: ctx.now,
      emit: steps.observe(options.emit),
      onEmitError: (error, e) => ctx.log.warn({ err: error, event: e.event }, "IVR event not emitted"),
    });
    await menuRoutes(app, ctx);
    await sessionRoutes(app, sessions, steps);
    // Form bodies only here: every other route stays JSON-only.
    await app.register(async (scope) => {
      await scope.register(formbody);
      await twilioRoutes(scope.withTypeProvider(), sessions, steps, options);
    });
  };
}

/** The app's plugin, with the config's TWILIO_AUTH_TOKEN and PUBLIC_URL. */
export default async function routes(app: ZodApp, ctx: AppContext): Promise<void> {
  // Session starts, hand-offs and ends become webhook events (ivr.session.started, call.transferred, …).
  await createIvrRoutes({ ...ctx.config.ivr, emit: createWebhookEmitter(ctx) })(app, ctx);
}

export type { IvrSweeper, IvrSweepOptions } from "./sweep.js";
export { startIvrSweep } from "./sweep.js";
