// One statement on its own connection to the server's maintenance database (CREATE / DROP DATABASE cannot run in a
// pool's transaction, nor on a connection to the database they drop).
import pg from "pg";

export async function admin(serverUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
