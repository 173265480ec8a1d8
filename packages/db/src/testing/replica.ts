/** A stand-in read replica for tests: the same database through a login role whose transactions are read-only. */
import { randomBytes } from "node:crypto";
import type { Database } from "../database.js";

export interface ReplicaStandIn {
  /** Connection string of the stand-in: same server and database, the read-only role. */
  url: string;
  /** The role's name: `session_user` on its connections, so a test can tell which server ran a statement. */
  role: string;
  drop(): Promise<void>;
}

/**
 * A hot standby refuses every write; so does this role (`default_transaction_read_only`), and it may become
 * `authenticated` as a replica's connections must for RLS. Postgres only: PGlite has a single role of login.
 */
export async function createReplicaStandIn(db: Database): Promise<ReplicaStandIn> {
  if (db.kind !== "postgres") throw new Error("a replica stand-in needs a Postgres server");
  const role = `vx_replica_${randomBytes(5).toString("hex")}`;
  const database = new URL(db.url).pathname.slice(1);
  await db.query(`CREATE ROLE ${role} LOGIN; GRANT authenticated TO ${role}`);
  await db.query(`ALTER ROLE ${role} SET default_transaction_read_only = on`);
  await db.query(`GRANT CONNECT ON DATABASE "${database}" TO ${role}`);
  const url = new URL(db.url);
  url.username = role;
  url.password = "";
  return {
    url: url.toString(),
    role,
    async drop() {
      await db.query(`REVOKE CONNECT ON DATABASE "${database}" FROM ${role}`);
      await db.query(`DROP ROLE IF EXISTS ${role}`);
    },
  };
}
