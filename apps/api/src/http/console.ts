/**
 * The web console at /console: the static files `apps/console` builds, served from the same origin as the API (the
 * console calls only the public /v1 routes), and, with the generated development secret only, a one-click token.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { AppContext, ZodApp } from "../context.js";
import { ApiError } from "../errors.js";
import { signToken } from "../token.js";

/**
 * Where built assets are looked for: beside the bundled API (`pnpm build`), then the workspace's own build as seen
 * from the API's dist/ (what `pnpm start` runs) and from its sources (tsx, tests).
 */
const CANDIDATE_DIRS = [
  fileURLToPath(new URL("./console/", import.meta.url)),
  fileURLToPath(new URL("../../console/dist/", import.meta.url)),
  fileURLToPath(new URL("../../../console/dist/", import.meta.url)),
];

export function consoleAssetsDir(): string | undefined {
  return CANDIDATE_DIRS.find((dir) => existsSync(join(dir, "index.html")));
}

const CONTENT_TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

/** A built asset name: no folders, no dot files, so no request can leave the assets folder. */
const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/** The page learns whether the one-click token exists from a meta tag, so production never even shows the button. */
const DEV_TOKEN_META = '<meta name="vx-dev-token" content="on">';

const DEV_TOKEN_LIFETIME_SECONDS = 8 * 3600;

const devTokenBody = z.strictObject({
  user_id: z.uuid().optional().describe("The user to sign in as; omitted: a new random user"),
});

export async function consoleRoutes(app: ZodApp, ctx: AppContext): Promise<void> {
  ctx.errors.register({ console_not_built: { status: 503, title: "Console not built" } });
  const devTokens = ctx.config.jwtSecretIsDevelopment && ctx.config.jwtSecret !== undefined;
  const noLimit = { rateLimit: false as const };
  const hidden = { hide: true };

  app.get("/console", { schema: hidden, config: noLimit }, (_request, reply) => reply.redirect("/console/", 301));

  app.get("/console/", { schema: hidden, config: noLimit }, async (_request, reply) => {
    const html = await readFile(join(assetsDirOrThrow(), "index.html"), "utf8");
    return reply
      .type("text/html; charset=utf-8")
      .header("cache-control", "no-cache")
      .send(devTokens ? html.replace("<head>", `<head>\n    ${DEV_TOKEN_META}`) : html);
  });

  app.get<{ Params: { file: string } }>("/console/:file", { schema: hidden, config: noLimit }, async (request, reply) =>
    sendAsset(request.params.file, reply, request),
  );

  if (!devTokens) return;
  app.post(
    "/console/dev-token",
    { schema: { ...hidden, body: devTokenBody } },
    async (request: FastifyRequest<{ Body: z.output<typeof devTokenBody> }>) => {
      // Only a browser on this machine, addressing it as localhost: no other host on the network and no page that
      // rebinds its own domain to 127.0.0.1 can mint tokens.
      if (!isLoopback(request.socket.remoteAddress) || !isLoopbackHost(request.hostname)) {
        throw new ApiError("not_found", `Route POST ${request.url} not found`);
      }
      const userId = request.body?.user_id ?? crypto.randomUUID();
      const token = await signToken({
        userId,
        secret: ctx.config.jwtSecret!,
        audience: ctx.config.jwtAudience,
        expiresIn: DEV_TOKEN_LIFETIME_SECONDS,
        now: ctx.now,
      });
      return { token, user_id: userId, expires_in: DEV_TOKEN_LIFETIME_SECONDS };
    },
  );
}

function assetsDirOrThrow(): string {
  const dir = consoleAssetsDir();
  if (!dir) {
    throw new ApiError<"console_not_built">(
      "console_not_built",
      "The console has not been built: run `pnpm --filter @vx/console build` (pnpm start does it for you)",
    );
  }
  return dir;
}

async function sendAsset(file: string, reply: FastifyReply, request: FastifyRequest): Promise<FastifyReply> {
  const type = CONTENT_TYPES[extname(file)];
  if (!ASSET_NAME.test(file) || !type) throw new ApiError("not_found", `Route GET ${request.url} not found`);
  let body: Buffer;
  try {
    body = await readFile(join(assetsDirOrThrow(), file));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new ApiError("not_found", `Route GET ${request.url} not found`);
    }
    throw error;
  }
  // Names carry a content hash, so a file never changes under its name.
  return reply.type(type).header("cache-control", "public, max-age=31536000, immutable").send(body);
}

function isLoopback(address: string | undefined): boolean {
  return address === "127.0.0.1" || address === "::1" || address === "::ffff:127.0.0.1";
}

function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/:\d+$/, "");
  return host === "localhost" || host === "127.0.0.1" || host === "[::1]";
}
