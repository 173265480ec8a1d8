/** Lets auth strategies (which only see the request) put headers on the response, accepted or refused. */
import type { FastifyInstance, FastifyRequest } from "fastify";

const pending = new WeakMap<FastifyRequest, Map<string, string>>();

/** Queue a header for this request's response, e.g. `RateLimit-Remaining` from an API-key strategy. */
export function setResponseHeader(request: FastifyRequest, name: string, value: string | number): void {
  let headers = pending.get(request);
  if (!headers) {
    headers = new Map();
    pending.set(request, headers);
  }
  headers.set(name.toLowerCase(), String(value));
}

export function installResponseHeaders(app: FastifyInstance): void {
  app.addHook("onSend", async (request, reply) => {
    const headers = pending.get(request);
    if (!headers) return;
    for (const [name, value] of headers) reply.header(name, value);
  });
}
