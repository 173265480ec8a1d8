import { migrate, migrationStatus, openDatabase } from "../packages/db/src/index.ts";

const t0 = Date.now();
const db = await openDatabase({ dataDir: "memory" });
console.log("open+migrate ms", Date.now() - t0);
console.log(await migrationStatus(db));
const u = (await db.query<{ id: string }>("insert into auth.users default values returning id")).rows[0].id;
await db.asUser(u, async (tx) => {
  await tx.query("insert into api_keys(user_id,name,key_prefix,key_hash) values ($1,'k','vx_abcdefg',$2)", [
    u,
    "a".repeat(64),
  ]);
  console.log((await tx.query("select current_user, auth.uid()")).rows);
});
console.log(await db.healthCheck());
await migrate({ databaseUrl: db.url, direction: "down", count: 4 });
console.log(await migrationStatus(db));
await migrate({ databaseUrl: db.url });
console.log(await migrationStatus(db));
await db.close();
