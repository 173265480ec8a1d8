/** One event catalog per database, shared by the routes and the IVR emitter, so its cache and validators are too. */
import { type Database, PgEventTypeRepository } from "@vx/db";
import { EventCatalog } from "@vx/webhooks";

const catalogs = new WeakMap<Database, EventCatalog>();

export function eventCatalog(db: Database, now: () => Date): EventCatalog {
  let catalog = catalogs.get(db);
  if (!catalog) {
    catalog = new EventCatalog({ repository: new PgEventTypeRepository(db), now });
    catalogs.set(db, catalog);
  }
  return catalog;
}
