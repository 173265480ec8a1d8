// The subset of PostgREST's URL grammar the stand-in understands: select, column filters, order, limit, offset.
// Anything else is refused with PGRST100, as PostgREST refuses what it cannot parse: never silently ignored.
import { RequestRefused } from "./errors.js";

export type Operator = "eq" | "neq" | "gt" | "gte" | "lt" | "lte" | "in" | "is" | "cs" | "ov";

export interface ColumnFilter {
  column: string;
  operator: Operator;
  value: string;
}

/** `or=(…)` / `and(…)`: PostgREST's logical operators over column filters. */
export interface LogicFilter {
  logic: "and" | "or";
  terms: Filter[];
}

export type Filter = ColumnFilter | LogicFilter;

export interface Ordering {
  column: string;
  descending: boolean;
  nulls?: "first" | "last";
}

export interface ReadOptions {
  /** null: every column (`*`). */
  select: string[] | null;
  filters: Filter[];
  order: Ordering[];
  limit?: number;
  offset?: number;
  /** `columns=` of an insert: which keys of the body are columns. */
  columns?: string[];
  /** `on_conflict=` of an upsert: the unique columns a conflict is on. */
  onConflict?: string[];
}

const OPERATORS = new Set<Operator>(["eq", "neq", "gt", "gte", "lt", "lte", "in", "is", "cs", "ov"]);
const RESERVED = new Set(["select", "order", "limit", "offset", "columns", "on_conflict"]);
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

function parseError(message: string, details: string | null = null): RequestRefused {
  return new RequestRefused(400, "PGRST100", message, details);
}

export function identifier(name: string, what: string): string {
  const bare = name.startsWith('"') && name.endsWith('"') ? name.slice(1, -1) : name;
  if (!IDENTIFIER.test(bare)) throw parseError(`"failed to parse ${what}"`, `unsupported ${what}: ${name}`);
  return bare;
}

export function parseReadOptions(params: URLSearchParams): ReadOptions {
  const options: ReadOptions = { select: null, filters: [], order: [] };
  for (const [key, value] of params) {
    if (key === "select") options.select = parseSelect(value);
    else if (key === "order") options.order = value.split(",").map(parseOrdering);
    else if (key === "limit") options.limit = count(value, "limit");
    else if (key === "offset") options.offset = count(value, "offset");
    else if (key === "columns") options.columns = value.split(",").map((c) => identifier(c, "columns"));
    else if (key === "on_conflict") options.onConflict = value.split(",").map((c) => identifier(c, "on_conflict"));
    else if (key === "or" || key === "and") options.filters.push({ logic: key, terms: parseTerms(value) });
    else if (RESERVED.has(key)) throw parseError(`"${key}" is not supported by this stand-in`);
    else options.filters.push(parseFilter(key, value));
  }
  return options;
}

function parseSelect(value: string): string[] | null {
  if (value === "*" || value === "") return null;
  return value.split(",").map((c) => identifier(c.trim(), "select"));
}

function parseOrdering(term: string): Ordering {
  const [column, ...modifiers] = term.split(".");
  const ordering: Ordering = { column: identifier(column ?? "", "order"), descending: false };
  for (const m of modifiers) {
    if (m === "asc" || m === "desc") ordering.descending = m === "desc";
    else if (m === "nullsfirst" || m === "nullslast") ordering.nulls = m === "nullsfirst" ? "first" : "last";
    else throw parseError('"failed to parse order"', `unexpected "${m}"`);
  }
  return ordering;
}

/**
 * `(a.eq.1,and(b.lt.2,c.is.null))`: terms split at top-level commas. As in PostgREST, a value may be double-quoted
 * (`a.eq."x,y"`, with `\"` and `\\` escaped) so that commas, dots and parentheses in it are data.
 */
function parseTerms(list: string): Filter[] {
  if (!list.startsWith("(") || !list.endsWith(")")) throw parseError('"failed to parse logic tree"', list);
  const terms: string[] = [];
  let depth = 0;
  let start = 1;
  let inQuotes = false;
  for (let i = 1; i < list.length - 1; i++) {
    if (inQuotes) {
      if (list[i] === "\\") i++;
      else if (list[i] === '"') inQuotes = false;
    } else if (list[i] === '"') inQuotes = true;
    else if (list[i] === "(") depth++;
    else if (list[i] === ")") depth--;
    else if (list[i] === "," && depth === 0) {
      terms.push(list.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(list.slice(start, -1));
  return terms.map((term) => {
    const logic = /^(and|or)(\(.*\))$/s.exec(term);
    if (logic) return { logic: logic[1] as "and" | "or", terms: parseTerms(logic[2]!) };
    const dot = term.indexOf(".");
    const filter = parseFilter(term.slice(0, dot), term.slice(dot + 1));
    return { ...filter, value: unquoted(filter.value) };
  });
}

/** `"a\"b"` → `a"b`; a value without quotes is as written. */
function unquoted(value: string): string {
  if (!(value.length >= 2 && value.startsWith('"') && value.endsWith('"'))) return value;
  return value.slice(1, -1).replace(/\\(.)/gs, "$1");
}

function parseFilter(column: string, expression: string): ColumnFilter {
  const dot = expression.indexOf(".");
  const operator = expression.slice(0, dot) as Operator;
  if (dot < 0 || !OPERATORS.has(operator)) {
    throw parseError('"failed to parse filter"', `unsupported filter ${column}=${expression}`);
  }
  return { column: identifier(column, "filter"), operator, value: expression.slice(dot + 1) };
}

function count(value: string, what: string): number {
  if (!/^\d+$/.test(value)) throw parseError(`"failed to parse ${what}"`);
  return Number(value);
}

/** `(a,b,"c,d")` → ['a', 'b', 'c,d']: PostgREST's list syntax, double quotes for values with commas. */
export function parseList(value: string): string[] {
  if (!value.startsWith("(") || !value.endsWith(")")) throw parseError('"failed to parse filter (in)"');
  const items: string[] = [];
  const inner = value.slice(1, -1);
  const pattern = /\s*(?:"((?:[^"\\]|\\.)*)"|([^,]*))\s*(?:,|$)/gy;
  for (let m = pattern.exec(inner); m && m.index < inner.length; m = pattern.exec(inner)) {
    items.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : (m[2] ?? "").trim());
  }
  return items;
}
