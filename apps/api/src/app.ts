/** buildApp: the Fastify app with auth, problem+json errors, OpenAPI, metrics and the /v1 routes, over a given database. */
import cors from "@fastify/cors";
import helmet from "@fastify/helmet";
import rateLimit from "@fastify/rate-limit";
import type { Database } from "@vx/db";
import Fastify, { type FastifyBaseLogger } from "fastify";
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import type { Logger } from "pino";
import type { Config } from "./config.js";
import type { AppContext, RoutePlugin, ZodApp } from "./context.js";
import { createJwtStrategy, installAuth } from "./http/auth.js";
import { createAuthUserSync } from "./http/auth-users.js";
import { handleClientError } from "./http/client-errors.js";
import { consoleRoutes } from "./http/console.js";
import { registerDocs, registerOpenApi } from "./http/docs.js";
import { createJwtVerifier } from "./http/jwt.js";
import { meRoutes } from "./http/me.js";
import { createMetricsRegistry, installQueryMetrics, installRequestMetrics } from "./http/metrics.js";
import { installNulGuard } from "./http/nul-guard.js";
import { operationsRoutes } from "./http/operations.js";
import { ErrorRegistry, installProblemHandlers, notFoundProblem, sendProblem, toProblem } from "./http/problems.js";
import { generateRequestId } from "./http/request-id.js";
import { installResponseHeaders } from "./http/response-headers.js";
import { createLogger } from "./logger.js";
import apiKeyRoutes from "./routes/api-keys/index.js";
import complianceRoutes from "./routes/compliance/index.js";
import ivrRoutes from "./routes/ivr/index.js";
import ratelimitRoutes from "./routes/ratelimits/index.js";
import webhookRoutes, { eventCatalog, openApiWebhooks } from "./routes/webhooks/index.js";

/** The domain route plugins, each registered under /v1 in its own encapsulated scope. */
export const DOMAIN_ROUTES: readonly RoutePlugin[] = [
  apiKeyRoutes,
  webhookRoutes,
  ivrRoutes,
  complianceRoutes,
  ratelimitRoutes,
];

export interface BuildAppOptions {
  db: Database;
  config: Config;
  /** The clock for token expiry and domain logic; tests pass a fixed one. */
  now?: () => Date;
  logger?: Logger;
  /** Route plugins under /v1; default DOMAIN_ROUTES. Tests add their own. */
  routes?: readonly RoutePlugin[];
  /** Process metrics (CPU, memory, event loop) in /metrics; default true. */
  defaultMetrics?: boolean;
}

/** Builds the app without listening; `app.appContext` is the context the route plugins received. */
export async function buildApp(options: BuildAppOptions): Promise<ZodApp> {
  const { db, config } = options;
  const log = options.logger ?? createLogger(config.logLevel);
  const errors = new ErrorRegistry();
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    genReqId: generateRequestId,
    // Path parameters up to the longest the schemas accept (IVR call ids, 255 characters) reach their route.
    routerOptions: { maxParamLength: 512 },
    // Errors the router raises before any hook (malformed percent-encoding, an over-long parameter) are
    // problem+json like every other refusal, not Fastify's own JSON.
    // Errors of node's HTTP parser, before any request exists: problem+json too.
    clientErrorHandler: handleClientError,
    frameworkErrors: (error, request, reply) => {
      reply.header("x-request-id", request.id);
      sendProblem(reply, toProblem(error, request, errors));
    },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  const now = options.now ?? (() => new Date());
  const registry = createMetricsRegistry({ defaultMetrics: options.defaultMetrics });

  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
  });
  // Responses finishing during shutdown close their keep-alive connection, or the server would wait for the client.
  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
  });
  app.addHook("onSend", async (_request, reply) => {
    if (closing) reply.header("connection", "close");
  });
  installProblemHandlers(app, errors, log);
  installResponseHeaders(app);
  installNulGuard(app);
  installRequestMetrics(app, registry);
  installQueryMetrics(app, db, registry);
  await registerSecurityHeaders(app, config);

  await app.register(rateLimit, { global: false, max: config.rateLimit.max, timeWindow: config.rateLimit.windowMs });
  const limiter = app.createRateLimit();
  const ensureAuthUser = createAuthUserSync(db);
  const verifyJwt = createJwtVerifier({
    secret: config.jwtSecret,
    supabaseUrl: config.supabaseUrl,
    audience: config.jwtAudience,
    now,
  });
  const auth = installAuth(app, {
    builtIn: [createJwtStrategy(verifyJwt)],
    onJwtPrincipal: (principal) => ensureAuthUser(principal.userId),
    checkRate: async (request) => {
      const result = await limiter(request);
      if (result.isAllowed) return { exceeded: false, limit: 0, remaining: 0, resetSeconds: 0 };
      return {
        exceeded: result.isExceeded,
        limit: result.max,
        remaining: result.remaining,
        resetSeconds: result.ttlInSeconds,
      };
    },
  });

  const ctx: AppContext = {
    db,
    config,
    log,
    now,
    metrics: { registry },
    auth: { addStrategy: (strategy) => auth.addStrategy(strategy) },
    errors: { register: (map) => errors.register(map) },
  };
  app.decorate("appContext", ctx);

  app.setNotFoundHandler((request, reply) => sendProblem(reply, notFoundProblem(request, errors)));

  await registerOpenApi(app);
  await app.register(async (scope) => operationsRoutes(scope.withTypeProvider<ZodTypeProvider>(), ctx));
  await app.register(
    async (v1) => {
      await v1.register(async (scope) => meRoutes(scope.withTypeProvider<ZodTypeProvider>()));
      for (const routes of options.routes ?? DOMAIN_ROUTES) {
        await v1.register(async (scope) => routes(scope.withTypeProvider<ZodTypeProvider>(), ctx));
      }
    },
    { prefix: "/v1" },
  );
  await registerDocs(app, { webhooks: async () => openApiWebhooks(await eventCatalog(db, now).list()) });
  if (config.console)
    await app.register(async (scope) => consoleRoutes(scope.withTypeProvider<ZodTypeProvider>(), ctx));
  return app;
}

async function registerSecurityHeaders(app: ZodApp, config: Config): Promise<void> {
  // The docs page runs Scalar's inline bootstrap script and styles; every other response keeps helmet's strict CSP.
  app.addHook("onRoute", (route) => {
    if (route.url === "/docs" || route.url.startsWith("/docs/")) {
      route.config = { ...route.config, rateLimit: false };
      (route as { helmet?: unknown }).helmet = {
        contentSecurityPolicy: {
          directives: {
            "script-src": ["'self'", "'unsafe-inline'"],
            "style-src": ["'self'", "'unsafe-inline'"],
            "img-src": ["'self'", "data:"],
            "font-src": ["'self'", "data:"],
            // Served over plain http in development: upgrading the page's own script requests would break it.
            "upgrade-insecure-requests": null,
          },
        },
      };
    }
    // The console loads only its own script and stylesheet: helmet's strict policy, minus the upgrade that plain
    // http on 127.0.0.1 cannot honour.
    if (route.url === "/console" || route.url.startsWith("/console/")) {
      (route as { helmet?: unknown }).helmet = {
        contentSecurityPolicy: { directives: { "upgrade-insecure-requests": null } },
      };
    }
  });
  await app.register(helmet, { global: true });
  if (config.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: config.corsOrigins.includes("*") ? "*" : config.corsOrigins,
      exposedHeaders: [
        "x-request-id",
        "retry-after",
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
      ],
      maxAge: 600,
    });
  }
}
