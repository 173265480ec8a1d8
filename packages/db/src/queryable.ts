/** The one query shape every repository is written against: a pg client, pool or transaction. */
export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

export interface Queryable {
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
}

/** Claims as Supabase puts them in `request.jwt.claims`; `sub` is the user id. */
export interface JwtClaims {
  sub: string;
  role?: string;
  [claim: string]: unknown;
}

/** A Queryable that can send a named prepared statement: `Database` can; transactions and plain clients cannot. */
export interface PreparingQueryable extends Queryable {
  queryPrepared<R = Record<string, unknown>>(
    name: string,
    text: string,
    params: readonly unknown[],
  ): Promise<QueryResult<R>>;
}

/** `db.queryPrepared` where `db` has it, else the same statement unnamed: for the statements on every request. */
export function queryPrepared<R = Record<string, unknown>>(
  db: Queryable,
  name: string,
  text: string,
  params: readonly unknown[],
): Promise<QueryResult<R>> {
  const preparing = db as Partial<PreparingQueryable>;
  return typeof preparing.queryPrepared === "function"
    ? preparing.queryPrepared<R>(name, text, params)
    : db.query<R>(text, params);
}
