// POST /rpc/<fn> with named JSON arguments, resolved and called the way PostgREST does: the overload whose
// parameter names match the body's keys, arguments read by json_to_record, the result shaped by return type.
import type { PoolClient } from "pg";
import { RequestRefused } from "./errors.js";
import type { Statement } from "./statements.js";

interface FunctionInfo {
  name: string;
  /** Input parameters in order, with their SQL types. */
  inputs: Array<{ name: string; type: string }>;
  /** How many trailing inputs have defaults. */
  defaults: number;
  returnsSet: boolean;
  /** 'c' composite (table row or RETURNS TABLE), 'p' pseudo (void), 'b' base type … */
  returnKind: string;
  returnType: string;
}

const lookup = `
  SELECT p.proname AS name, p.proretset AS "returnsSet", p.pronargdefaults AS defaults,
         t.typtype AS "returnKind", t.typname AS "returnType",
         coalesce(p.proargnames, '{}') AS names, coalesce(p.proargmodes::text[], '{}') AS modes,
         ARRAY(SELECT format_type(oid, NULL) FROM unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) AS oid) AS types
    FROM pg_proc p JOIN pg_type t ON t.oid = p.prorettype
   WHERE p.pronamespace = 'public'::regnamespace AND p.proname = $1 AND p.prokind = 'f'`;

interface Row {
  name: string;
  returnsSet: boolean;
  defaults: number;
  returnKind: string;
  returnType: string;
  names: string[];
  modes: string[];
  types: string[];
}

export async function findFunction(client: PoolClient, name: string, keys: string[]): Promise<FunctionInfo> {
  const { rows } = await client.query<Row>(lookup, [name]);
  for (const row of rows) {
    const inputs = row.types
      .map((type, i) => ({ name: row.names[i] ?? "", type, mode: row.modes[i] ?? "i" }))
      .filter((a) => a.mode === "i" || a.mode === "b" || a.mode === "v");
    const required = inputs.slice(0, inputs.length - row.defaults).map((a) => a.name);
    const known = new Set(inputs.map((a) => a.name));
    if (keys.every((k) => known.has(k)) && required.every((r) => keys.includes(r))) {
      return { ...row, inputs: inputs.map(({ name: n, type }) => ({ name: n, type })) };
    }
  }
  throw new RequestRefused(
    404,
    "PGRST202",
    `Could not find the function public.${name}(${keys.join(", ")}) in the schema cache`,
    null,
    "If a new function was created in the database with this name and parameters, try reloading the schema cache.",
  );
}

/** Arrays come back as a JSON array, a composite as an object, a scalar as itself, void as null. */
export function callStatement(fn: FunctionInfo, body: Record<string, unknown>): Statement {
  const given = fn.inputs.filter((a) => a.name in body);
  const record = given.map((a) => `"${a.name}" ${a.type}`).join(", ");
  const args = given.map((a) => `"${a.name}" := _postgrest_args."${a.name}"`).join(", ");
  const call = `public."${fn.name}"(${args})`;
  const from = given.length ? ` FROM json_to_record($1::json) AS _postgrest_args(${record})` : "";
  const params = given.length ? [JSON.stringify(body)] : [];
  if (fn.returnsSet || fn.returnKind === "c") {
    const rows = `SELECT _postgrest_t.* FROM ${given.length ? `json_to_record($1::json) AS _postgrest_args(${record}), ` : ""}${call} _postgrest_t`;
    const json = fn.returnsSet ? "coalesce(json_agg(_postgrest_r), '[]')" : "to_json((array_agg(_postgrest_r))[1])";
    return {
      text: `SELECT ${json}::text AS body, count(*)::integer AS n FROM (${rows}) _postgrest_r`,
      params,
    };
  }
  if (fn.returnType === "void")
    return { text: `SELECT 'null' AS body, 1 AS n FROM (SELECT ${call}${from}) _postgrest_v`, params };
  return { text: `SELECT to_json(${call})::text AS body, 1 AS n${from}`, params };
}
