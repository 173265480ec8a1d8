import { migrate, migrationStatus, openDatabase } from "../packages/db/src/index.ts";

const t0 = Date.now();
const db = await openDatabase({ url: "postgresql://postgres@127.0.0.1:5432/vx_try" });
console.log("open+migrate ms", Date.now() - t0);
await migrate({ databaseUrl: db.url, direction: "down", count: 4 });
await migrate({ databaseUrl: db.url });
console.log((await migrationStatus(db)).current);
await db.close();
