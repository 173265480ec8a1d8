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
