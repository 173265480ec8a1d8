/** The contract: OpenAPI 3.1 generated from the routes' zod schemas at /openapi.json, and a Scalar reference at /docs. */
import swagger from "@fastify/swagger";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { jsonSchemaTransform, jsonSchemaTransformObject } from "fastify-type-provider-zod";
import { VERSION } from "../version.js";
import { isAuthGuard } from "./auth.js";
import { problemSchema } from "./problem-schema.js";

type Document = Record<string, unknown> & {
  paths?: Record<string, Record<string, Operation>>;
  components?: Record<string, unknown>;
};
type Operation = Record<string, unknown> & { responses?: Record<string, unknown> };

const SECURITY: Array<Record<string, string[]>> = [{ bearerAuth: [] }, { apiKeyHeader: [] }];

/** Register before any route: swagger collects routes as they are added. */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  // Operations guarded by requireUser/requireScope/requireServiceRole are documented as needing credentials.
  app.addHook("onRoute", (route) => {
    const handlers = [route.preHandler, route.onRequest, route.preValidation].flat();
    if (!handlers.some(isAuthGuard)) return;
    const schema = (route.schema ?? {}) as Record<string, unknown>;
    if (schema.security === undefined) route.schema = { ...schema, security: SECURITY };
  });

  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "vx API",
        version: VERSION,
        description:
          "The vx data layer: API keys, webhooks and IVR. Errors are RFC 9457 `application/problem+json` with a stable `code`. " +
          "Lists take `?limit=` (1-100, default 50) and `?cursor=` and answer `{ data, next_cursor }`.",
      },
      components: {
        securitySchemes: {
          bearerAuth: {
            type: "http",
            scheme: "bearer",
            description: "A Supabase JWT (or `vx token --user <uuid>` in development), or an API key `vx_…`",
          },
          apiKeyHeader: { type: "apiKey", in: "header", name: "X-API-Key", description: "An API key `vx_…`" },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: (documentObject) => withProblemResponses(jsonSchemaTransformObject(documentObject) as Document),
  });
  // Referenced from every operation's default response, so it must be in the registry before the document is built.
  void problemSchema;
}

/** Every operation can fail with a problem: say so once in the document instead of in every route. */
function withProblemResponses(document: Document): Document {
  for (const methods of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(methods)) {
      if (!operation || typeof operation !== "object" || !operation.responses) continue;
      operation.responses.default ??= {
        description: "Error (RFC 9457 problem details)",
        content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
      };
    }
  }
  return document;
}

export interface DocsOptions {
  /** OpenAPI 3.1 `webhooks` (the event catalog), read for every request: operators change it at run time. */
  webhooks?: () => Promise<Record<string, unknown>>;
}

export async function registerDocs(app: FastifyInstance, options: DocsOptions = {}): Promise<void> {
  app.get("/openapi.json", { schema: { hide: true }, config: { rateLimit: false } }, async () => {
    const document = app.swagger();
    if (!options.webhooks) return document;
    try {
      return { ...document, webhooks: await options.webhooks() };
    } catch (error) {
      // The routes are the contract; a catalog that cannot be read now only leaves the event types out.
      app.log.warn({ err: error }, "webhook event types left out of /openapi.json");
      return document;
    }
  });
  // Scalar's plugin inlines its 4 MB browser bundle: importing it costs ~0.4 s of every start. It is loaded on the
  // first /docs request instead, into an app of its own that these routes pass requests to.
  let reference: Promise<FastifyInstance> | undefined;
  const serveReference = async (request: FastifyRequest, reply: FastifyReply) => {
    reference ??= referenceApp();
    const answer = await (await reference).inject({
      method: request.method as "GET" | "HEAD",
      url: request.url,
      headers: { accept: request.headers.accept ?? "*/*" },
    });
    const {
      "content-length": _length,
      connection: _connection,
      "transfer-encoding": _encoding,
      ...headers
    } = answer.headers;
    return reply.code(answer.statusCode).headers(headers).send(answer.rawPayload);
  };
  for (const url of ["/docs", "/docs/*"]) app.get(url, { schema: { hide: true } }, serveReference);
  app.addHook("onClose", async () => {
    await (await reference)?.close();
  });
}

async function referenceApp(): Promise<FastifyInstance> {
  const { default: scalar } = await import("@scalar/fastify-api-reference");
  const reference = Fastify({ logger: false });
  await reference.register(scalar, {
    routePrefix: "/docs",
    configuration: { url: "/openapi.json", title: "vx API", withDefaultFonts: false },
  });
  await reference.ready();
  return reference;
}
