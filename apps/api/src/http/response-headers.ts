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
  // A callback hook, not an async one: it runs on every response, and an async hook costs a promise and a tick each.
  app.addHook("onSend", (request, reply, payload, done) => {
    const headers = pending.get(request);
    if (headers) for (const [name, value] of headers) reply.header(name, value);
    done(null, payload);
  });
}
