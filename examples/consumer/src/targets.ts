// The databases the example runs on: embedded PGlite always, and a throwaway database on Postgres when a URL is set.
import { randomBytes } from "node:crypto";
import { type Database, openDatabase } from "@vx/db";

export interface Target {
  name: string;
  /** Opens the target's database, migrated. */
  open(): Promise<Database>;
  /** Removes what open() created; runs after the database is closed. */
  dispose(): Promise<void>;
}

export function targets(env: NodeJS.ProcessEnv = process.env): Target[] {
  const list: Target[] = [embedded()];
  const url = env.DATABASE_URL || env.TEST_DATABASE_URL;
  if (url) list.push(postgres(url));
  return list;
}

function embedded(): Target {
  return {
    name: "PGlite (embedded)",
    // "memory" keeps nothing; a service would use the default ./.vx-data folder.
    open: () => openDatabase({ dataDir: "memory" }),
    dispose: async () => {},
  };
}

/** A database of its own on the server, so the example never touches anything else there. */
function postgres(adminUrl: string): Target {
  const name = `vx_example_${randomBytes(6).toString("hex")}`;
  let created = false;
  const withAdmin = async (sql: string) => {
    const admin = await openDatabase({ url: adminUrl, migrate: false, poolSize: 1 });
    try {
      await admin.query(sql);
    } finally {
      await admin.close();
    }
  };
  return {
    name: `Postgres (${new URL(adminUrl).host}, database ${name})`,
    async open() {
      await withAdmin(`CREATE DATABASE ${name}`);
      created = true;
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return openDatabase({ url: url.toString() });
    },
    async dispose() {
      if (created) await withAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
