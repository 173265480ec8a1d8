// Builds the SQL of one request, as PostgREST does: the statement, then json_agg of its rows for the body.
import { RequestRefused } from "./errors.js";
import { type ColumnFilter, type Filter, parseList, type ReadOptions } from "./query-params.js";

export interface Statement {
  text: string;
  params: unknown[];
}

const quote = (name: string) => `"${name}"`;

export function tableName(table: string): string {
  return `public.${quote(table)}`;
}

const SQL_OPERATOR = { eq: "=", neq: "<>", gt: ">", gte: ">=", lt: "<", lte: "<=", cs: "@>", ov: "&&" } as const;

/** WHERE conditions; values are untyped parameters, so Postgres reads them as the column's type. */
export function where(table: string, filters: readonly Filter[], params: unknown[]): string {
  if (filters.length === 0) return "";
  return ` WHERE ${filters.map((f) => condition(table, f, params)).join(" AND ")}`;
}

function condition(table: string, filter: Filter, params: unknown[]): string {
  if ("logic" in filter) {
    const joiner = filter.logic === "and" ? " AND " : " OR ";
    return `(${filter.terms.map((t) => condition(table, t, params)).join(joiner)})`;
  }
  return columnCondition(table, filter, params);
}

function columnCondition(table: string, f: ColumnFilter, params: unknown[]): string {
  const column = `${tableName(table)}.${quote(f.column)}`;
  if (f.operator === "is") {
    const value = { null: "NULL", true: "TRUE", false: "FALSE", unknown: "UNKNOWN" }[f.value];
    if (!value) throw new RequestRefused(400, "PGRST100", '"failed to parse filter (is)"', f.value);
    return `${column} IS ${value}`;
  }
  if (f.operator === "in") {
    params.push(parseList(f.value));
    return `${column} = ANY ($${params.length})`;
  }
  params.push(f.value);
  return `${column} ${SQL_OPERATOR[f.operator]} $${params.length}`;
}

function orderBy(options: ReadOptions): string {
  if (options.order.length === 0) return "";
  const terms = options.order.map(
    (o) =>
      `${quote(o.column)} ${o.descending ? "DESC" : "ASC"}${o.nulls ? ` NULLS ${o.nulls === "first" ? "FIRST" : "LAST"}` : ""}`,
  );
  return ` ORDER BY ${terms.join(", ")}`;
}

/**
 * PostgREST's `max_rows` (supabase/config.toml: 1000): a read answers at most this many rows, whatever its limit,
 * and says nothing of the rows it left out. Enforced here so an adapter that reads an unbounded list in one request
 * fails its tests as it would fail on Supabase.
 */
export const MAX_ROWS = 1000;

function page(options: ReadOptions): string {
  const limit = Math.min(options.limit ?? MAX_ROWS, MAX_ROWS);
  return ` LIMIT ${limit}${options.offset ? ` OFFSET ${options.offset}` : ""}`;
}

function columns(options: ReadOptions): string {
  return options.select ? options.select.map(quote).join(", ") : "*";
}

/** The rows as one JSON array text (`body`) and their number (`n`). */
function aggregate(source: string): string {
  return `SELECT coalesce(json_agg(_postgrest_t), '[]')::text AS body, count(*)::integer AS n FROM (${source}) _postgrest_t`;
}

export function readStatement(table: string, options: ReadOptions): Statement {
  const params: unknown[] = [];
  const source = `SELECT ${columns(options)} FROM ${tableName(table)}${where(table, options.filters, params)}${orderBy(options)}${page(options)}`;
  return { text: aggregate(source), params };
}

export function countStatement(table: string, options: ReadOptions): Statement {
  const params: unknown[] = [];
  return {
    text: `SELECT count(*)::integer AS n FROM ${tableName(table)}${where(table, options.filters, params)}`,
    params,
  };
}

/**
 * The body's keys (or `columns=`) name the columns; a key left out of a row inserts NULL, as in PostgREST. An upsert
 * (`Prefer: resolution=…` with `on_conflict=`) is ON CONFLICT on those columns, merging the body's columns.
 */
export function insertStatement(
  table: string,
  body: unknown,
  options: ReadOptions,
  returning: boolean,
  resolution?: string,
): Statement {
  const rows = Array.isArray(body) ? body : [body];
  const first = rows[0];
  if (!first || typeof first !== "object") throw new RequestRefused(400, "PGRST102", "Empty or invalid json");
  const keys = options.columns ?? Object.keys(first);
  const cols = keys.map(quote).join(", ");
  const insert = `INSERT INTO ${tableName(table)} (${cols}) SELECT ${cols} FROM json_populate_recordset(NULL::${tableName(table)}, $1::json)`;
  return mutation(`${insert}${onConflict(keys, options, resolution)}`, options, returning, [JSON.stringify(rows)]);
}

/** PostgREST infers the primary key when on_conflict is absent: the stand-in asks for both rather than guess. */
function onConflict(keys: readonly string[], options: ReadOptions, resolution: string | undefined): string {
  if (resolution === undefined && options.onConflict === undefined) return "";
  if (!options.onConflict || (resolution !== "merge-duplicates" && resolution !== "ignore-duplicates")) {
    throw new RequestRefused(
      400,
      "PGRST100",
      "an upsert needs Prefer: resolution=merge-duplicates|ignore-duplicates and on_conflict in this stand-in",
    );
  }
  const target = ` ON CONFLICT (${options.onConflict.map(quote).join(", ")})`;
  if (resolution === "ignore-duplicates") return `${target} DO NOTHING`;
  return `${target} DO UPDATE SET ${keys.map((k) => `${quote(k)} = EXCLUDED.${quote(k)}`).join(", ")}`;
}

export function updateStatement(table: string, body: unknown, options: ReadOptions, returning: boolean): Statement {
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    throw new RequestRefused(400, "PGRST102", "Empty or invalid json");
  }
  const keys = Object.keys(body);
  if (keys.length === 0) throw new RequestRefused(400, "PGRST102", "Empty or invalid json");
  const params: unknown[] = [JSON.stringify(body)];
  const set = keys.map((k) => `${quote(k)} = _postgrest_p.${quote(k)}`).join(", ");
  const update = `UPDATE ${tableName(table)} SET ${set} FROM json_populate_record(NULL::${tableName(table)}, $1::json) _postgrest_p${where(table, options.filters, params)}`;
  return mutation(update, options, returning, params, table);
}

export function deleteStatement(table: string, options: ReadOptions, returning: boolean): Statement {
  const params: unknown[] = [];
  return mutation(
    `DELETE FROM ${tableName(table)}${where(table, options.filters, params)}`,
    options,
    returning,
    params,
    table,
  );
}

/** With `return=representation` the changed rows come back (RETURNING, so SELECT privileges and policies apply). */
function mutation(
  statement: string,
  options: ReadOptions,
  returning: boolean,
  params: unknown[],
  table?: string,
): Statement {
  if (!returning) return { text: statement, params };
  const all = table ? `${tableName(table)}.*` : "*";
  // A data-modifying CTE must be at the top level: WITH first, then the aggregate over its rows.
  return {
    text: `WITH _postgrest_source AS (${statement} RETURNING ${all}) SELECT coalesce(json_agg(_postgrest_t), '[]')::text AS body, count(*)::integer AS n FROM (SELECT ${columns(options)} FROM _postgrest_source) _postgrest_t`,
    params,
  };
}
