// A PostgREST-SUBSET STAND-IN for tests only, not PostgREST: no PostgREST or Supabase can run on the test
// machines, so this serves the part of PostgREST's HTTP API that @vx/db/supabase uses, over a real database,
// with PostgREST's documented semantics: the HS256 JWT in Authorization picks the role (`role` claim, anon
// without a token), each request is one transaction with `role` and `request.jwt.claims` set locally, GET runs
// READ ONLY, errors are PostgREST's JSON with its status table. Unsupported syntax is refused (PGRST100),
// never ignored. It listens on 127.0.0.1 only.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Pool, PoolClient } from "pg";
import { databaseErrorBody, type ErrorBody, RequestRefused, statusOf } from "./errors.js";
import { JwtRejected, verifyJwt } from "./jwt.js";
import { identifier, parseReadOptions, type ReadOptions } from "./query-params.js";
import { callStatement, findFunction } from "./rpc.js";
import {
  countStatement,
  deleteStatement,
  insertStatement,
  readStatement,
  type Statement,
  updateStatement,
} from "./statements.js";

export interface PostgrestSubsetOptions {
  pool: Pool;
  jwtSecret: string;
  /** The role of requests without a token (PostgREST's db-anon-role). Default `anon`. */
  anonRole?: string;
}

export interface PostgrestSubset {
  /** The Supabase-style project URL: the API is under `${url}/rest/v1`. */
  url: string;
  close(): Promise<void>;
}

interface Caller {
  role: string;
  claims: Record<string, unknown>;
}

interface Answer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

const OBJECT_MEDIA_TYPE = "application/vnd.pgrst.object+json";

export async function startPostgrestSubset(options: PostgrestSubsetOptions): Promise<PostgrestSubset> {
  const server = createServer((req, res) => {
    handle(options, req)
      .then((answer) => send(res, answer))
      .catch((error) => send(res, failure(error, false)));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(options: PostgrestSubsetOptions, req: IncomingMessage): Promise<Answer> {
  let caller: Caller;
  try {
    caller = authenticate(options, req.headers.authorization);
  } catch (error) {
    if (error instanceof JwtRejected)
      return errorAnswer(401, { code: error.code, message: error.message, details: null, hint: null });
    throw error;
  }
  try {
    return await route(options.pool, caller, req);
  } catch (error) {
    return failure(error, caller.role !== (options.anonRole ?? "anon"));
  }
}

function authenticate(options: PostgrestSubsetOptions, authorization: string | undefined): Caller {
  const anon = { role: options.anonRole ?? "anon", claims: {} };
  if (!authorization) return anon;
  const match = /^Bearer (.+)$/i.exec(authorization);
  if (!match) throw new JwtRejected("PGRST301", "Invalid Authorization header");
  const claims = verifyJwt(match[1]!, options.jwtSecret, Math.floor(Date.now() / 1000));
  return { role: typeof claims.role === "string" ? claims.role : anon.role, claims };
}

async function route(pool: Pool, caller: Caller, req: IncomingMessage): Promise<Answer> {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const path = /^\/rest\/v1\/(rpc\/)?([^/]+)$/.exec(url.pathname);
  if (!path) throw new RequestRefused(404, "PGRST125", `Invalid path specified in request URL`);
  const name = identifier(decodeURIComponent(path[2]!), "path");
  const prefer = preferences(req.headers.prefer);
  const single = (req.headers.accept ?? "").includes(OBJECT_MEDIA_TYPE);
  const body = req.method === "GET" || req.method === "HEAD" ? undefined : await readJson(req);
  const readOnly = req.method === "GET";

  return inRequestTransaction(pool, caller, readOnly, async (client) => {
    if (path[1]) {
      if (req.method !== "POST")
        throw new RequestRefused(405, "PGRST101", "Only POST is supported by this stand-in for rpc");
      const args = (body ?? {}) as Record<string, unknown>;
      const fn = await findFunction(client, name, Object.keys(args));
      const result = await run(client, callStatement(fn, args));
      return shape(result, single, 200, fn.returnsSet || fn.returnKind === "c");
    }
    const query = parseReadOptions(url.searchParams);
    const representation = prefer.get("return") === "representation";
    switch (req.method) {
      case "GET": {
        const result = await run(client, readStatement(name, query));
        const total = prefer.get("count") === "exact" ? (await run(client, countStatement(name, query))).n : undefined;
        return withRange(shape(result, single, 200, true), query, result.n, total);
      }
      case "POST":
        return mutated(
          await run(client, insertStatement(name, body, query, representation, prefer.get("resolution"))),
          representation,
          single,
          201,
          prefer,
        );
      case "PATCH":
        noPaging(query);
        return mutated(
          await run(client, updateStatement(name, body, query, representation)),
          representation,
          single,
          200,
          prefer,
        );
      case "DELETE":
        noPaging(query);
        return mutated(
          await run(client, deleteStatement(name, query, representation)),
          representation,
          single,
          200,
          prefer,
        );
      default:
        throw new RequestRefused(405, "PGRST101", `${req.method} is not supported by this stand-in`);
    }
  });
}

/** One transaction per request, as PostgREST: the JWT's role and claims set locally, then the statement. */
async function inRequestTransaction<T>(
  pool: Pool,
  caller: Caller,
  readOnly: boolean,
  work: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(
      readOnly ? "BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY" : "BEGIN ISOLATION LEVEL READ COMMITTED",
    );
    await client.query("SELECT set_config('role', $1, true), set_config('request.jwt.claims', $2, true)", [
      caller.role,
      JSON.stringify(caller.claims),
    ]);
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

interface Result {
  body: string;
  n: number;
}

async function run(client: PoolClient, statement: Statement): Promise<Result> {
  const result = await client.query<{ body?: string; n?: number }>(statement.text, statement.params);
  const row = result.rows[0];
  // A mutation without return=representation has no body: only the count of rows it touched.
  return row?.body !== undefined ? { body: row.body, n: row.n ?? 0 } : { body: "", n: result.rowCount ?? 0 };
}

/** With the object media type a result must be exactly one row (PGRST116, 406), and is sent unwrapped. */
function shape(result: Result, single: boolean, status: number, isArray: boolean): Answer {
  if (!single || !isArray) return { status, body: result.body };
  if (result.n !== 1) {
    throw new RequestRefused(
      406,
      "PGRST116",
      "JSON object requested, multiple (or no) rows returned",
      `The result contains ${result.n} rows`,
    );
  }
  const [row] = JSON.parse(result.body) as unknown[];
  return { status, body: JSON.stringify(row) };
}

function mutated(
  result: Result,
  representation: boolean,
  single: boolean,
  status: number,
  prefer: Map<string, string>,
): Answer {
  const answer = representation ? shape(result, single, status, true) : { status: status === 201 ? 201 : 204 };
  if (prefer.get("count") === "exact") answer.headers = { "Content-Range": `*/${result.n}` };
  return answer;
}

function withRange(answer: Answer, query: ReadOptions, n: number, total: number | undefined): Answer {
  const from = query.offset ?? 0;
  const range = n > 0 ? `${from}-${from + n - 1}` : "*";
  return { ...answer, headers: { "Content-Range": `${range}/${total ?? "*"}` } };
}

function noPaging(query: ReadOptions): void {
  if (query.limit !== undefined || query.offset !== undefined || query.order.length > 0) {
    throw new RequestRefused(400, "PGRST100", "limit/offset/order on a mutation are not supported by this stand-in");
  }
}

/** `Prefer: return=representation, count=exact` (one header or several) as a map. */
function preferences(header: string | string[] | undefined): Map<string, string> {
  const entries = [header ?? []].flat().flatMap((h) => h.split(","));
  return new Map(
    entries.map((e) => {
      const [key, value = ""] = e.trim().split("=");
      return [key ?? "", value];
    }),
  );
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new RequestRefused(400, "PGRST102", "Empty or invalid json");
  }
}

function failure(error: unknown, authenticated: boolean): Answer {
  if (error instanceof RequestRefused) {
    return errorAnswer(error.status, {
      code: error.code,
      message: error.message,
      details: error.details,
      hint: error.hint,
    });
  }
  const dbError = error as { code?: string; message: string; detail?: string; hint?: string };
  if (typeof dbError?.code === "string" && /^[0-9A-Z]{5}$/.test(dbError.code)) {
    return errorAnswer(statusOf(dbError.code, authenticated), databaseErrorBody(dbError));
  }
  return errorAnswer(500, {
    code: "PGRSTX00",
    message: String((error as Error)?.message ?? error),
    details: null,
    hint: null,
  });
}

function errorAnswer(status: number, body: ErrorBody): Answer {
  return { status, body: JSON.stringify(body) };
}

function send(res: ServerResponse, answer: Answer): void {
  const headers: Record<string, string> = { ...answer.headers };
  if (answer.body !== undefined) headers["Content-Type"] = "application/json; charset=utf-8";
  res.writeHead(answer.status, headers);
  res.end(answer.body);
}
