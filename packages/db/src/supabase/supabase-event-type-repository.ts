// SupabaseEventTypeRepository: the event catalog (`webhook_event_types`) through PostgREST. Everyone signed in reads
// it; writing it needs the service-role client.
import type { EventType, EventTypeRepository, EventTypeUpdates } from "@vx/webhooks";
import type { Json } from "./database.types.js";
import { data, SupabaseRequestError, type VxSupabaseClient } from "./postgrest.js";

const COLUMNS = "name,description,schema,example,deprecated,archived";
const UNIQUE_VIOLATION = "23505";

export class SupabaseEventTypeRepository implements EventTypeRepository {
  constructor(private readonly client: VxSupabaseClient) {}

  listEventTypes(): Promise<EventType[]> {
    return data<EventType[]>(this.table().select(COLUMNS).order("name", { ascending: true }));
  }

  async createEventType(type: EventType): Promise<EventType | null> {
    try {
      return await data<EventType>(
        this.table()
          .insert(type as EventType & { example?: Json; schema?: Json })
          .select(COLUMNS)
          .single(),
      );
    } catch (error) {
      if (error instanceof SupabaseRequestError && error.code === UNIQUE_VIOLATION) return null;
      throw error;
    }
  }

  async updateEventType(name: string, updates: EventTypeUpdates): Promise<EventType | null> {
    // Null is a value here (no schema, no example): only undefined fields stay as they are.
    const values = Object.fromEntries(Object.entries(updates).filter(([, value]) => value !== undefined));
    if (Object.keys(values).length === 0) {
      return (await this.listEventTypes()).find((type) => type.name === name) ?? null;
    }
    const rows = await data<EventType[]>(this.table().update(values).eq("name", name).select(COLUMNS));
    return rows[0] ?? null;
  }

  private table() {
    return this.client.from("webhook_event_types");
  }
}
