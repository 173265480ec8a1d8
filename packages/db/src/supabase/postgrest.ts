// What every Supabase repository shares: the client type, PostgREST errors as typed errors, JSON rows as records.
import type { SupabaseClient } from "@supabase/supabase-js";
import type { Database } from "./database.types.js";

/**
 * A supabase-js client typed with the generated `Database` (`createClient<Database>(…)`): the user's (anon key +
 * the user's JWT: RLS applies) or the service-role one. A client created without the type argument fits too.
 */
export type VxSupabaseClient = SupabaseClient<Database>;

/** @deprecated The client is typed now: use {@link VxSupabaseClient}. */
export type AnySupabaseClient = VxSupabaseClient;

type Functions = Database["public"]["Functions"];

/** A SQL function the adapters call through rpc. */
export type RpcName = keyof Functions;

/**
 * The function's arguments as generated, each of which may be null, as may an array's elements: the generator types
 * every argument as required and non-null, but these functions take SQL NULL for "not given" (p_user_id null = the
 * system acting) and arrays with NULL elements (a batch's attempts without a status code).
 */
export type RpcArgs<F extends RpcName> = { [K in keyof Functions[F]["Args"]]: Nullable<Functions[F]["Args"][K]> };
type Nullable<V> = (V extends readonly (infer E)[] ? (E | null)[] : V) | null;

/** A function's name and its arguments, checked against each other (one tuple type per function). */
export type RpcCall = { [F in RpcName]: [fn: F, args: RpcArgs<F>] }[RpcName];

/** `client.rpc(fn, args)` with nullable arguments: names and argument names are still checked by the compiler. */
export function rpc(client: VxSupabaseClient, ...[fn, args]: RpcCall): PromiseLike<Response> {
  // RpcCall checked the pair; the generated Args only refuse the nulls these functions take.
  return client.rpc(fn, args as never);
}

/**
 * A request PostgREST refused. `code` is the SQLSTATE of a database error (e.g. 23505) or PostgREST's own
 * (PGRST…), so callers branch on it as on a pg error's code; `status` is the HTTP status.
 */
export class SupabaseRequestError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: string | null;
  readonly hint: string | null;

  constructor(
    status: number,
    body: { code?: string; message?: string; details?: string | null; hint?: string | null },
  ) {
    super(body.message ?? `PostgREST answered ${status}`);
    this.name = "SupabaseRequestError";
    this.status = status;
    this.code = body.code ?? "";
    this.details = body.details ?? null;
    this.hint = body.hint ?? null;
  }

  /** The constraint a violation names: PostgREST passes Postgres's message, not its constraint field. */
  get constraint(): string | undefined {
    return /constraint "([^"]+)"/.exec(this.message)?.[1];
  }
}

/** What a supabase-js request resolves to; `data` is checked by the caller's type argument, not by supabase-js. */
export interface Response {
  data: unknown;
  error: { code?: string; message?: string; details?: string | null; hint?: string | null } | null;
  status: number;
  count?: number | null;
}

/** The data of a supabase-js request, or its error thrown as a SupabaseRequestError. */
export async function data<T>(request: PromiseLike<Response>): Promise<T> {
  const response = await request;
  if (response.error) throw new SupabaseRequestError(response.status, response.error);
  return response.data as T;
}

/** The `count=exact` of a supabase-js request (rows a delete or update touched). */
export async function counted(request: PromiseLike<Response>): Promise<number> {
  const response = await request;
  if (response.error) throw new SupabaseRequestError(response.status, response.error);
  return response.count ?? 0;
}

/** JSON carries timestamps as text: the named fields become Dates (null stays null). */
export function withDates<T>(row: Record<string, unknown>, fields: readonly string[]): T {
  const out: Record<string, unknown> = { ...row };
  for (const field of fields) {
    const value = out[field];
    if (typeof value === "string") out[field] = new Date(value);
  }
  return out as T;
}

/** Only the named fields of a row (a function may return more columns than the port's record has). */
export function pick<T>(row: Record<string, unknown>, fields: readonly string[]): T {
  return Object.fromEntries(fields.map((f) => [f, row[f]])) as T;
}

/**
 * A timestamptz as PostgREST sends it (`2031-06-01T12:00:00.1234+00:00`: the session's offset, trailing zeros of the
 * fraction dropped) as exact UTC text, `2031-06-01T12:00:00.123400Z`: the microseconds kept, which a Date drops.
 */
export function exactUtc(value: string): string {
  const fraction = /\.(\d{1,6})/.exec(value)?.[1] ?? "";
  const micros = fraction.padEnd(6, "0");
  return `${new Date(value).toISOString().slice(0, 20)}${micros}Z`;
}

/** Filters take text: a Date must go as ISO 8601, never as Date#toString(). */
export function iso(value: Date): string {
  return value.toISOString();
}

/** The optional owner filter, in the same request as the work. */
export function owned<Q>(query: Q, userId: string | undefined): Q {
  // Typed loosely on purpose: supabase-js's builder generics are too deep for a structural constraint.
  return userId === undefined
    ? query
    : (query as unknown as { eq(column: string, value: string): Q }).eq("user_id", userId);
}
