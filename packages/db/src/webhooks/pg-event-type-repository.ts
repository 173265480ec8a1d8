/** PgEventTypeRepository: the event catalog in `webhook_event_types` (migration 016), on Postgres or PGlite. */
import type { EventType, EventTypeRepository, EventTypeUpdates } from "@vx/webhooks";
import type { Queryable } from "../queryable.js";

const COLUMNS = "name, description, schema, example, deprecated, archived";

const sql = {
  list: `SELECT ${COLUMNS} FROM public.webhook_event_types ORDER BY name`,
  create: `
    INSERT INTO public.webhook_event_types (name, description, schema, example, deprecated, archived)
    VALUES ($1, $2, $3, $4, $5, $6)
    ON CONFLICT (name) DO NOTHING
    RETURNING ${COLUMNS}`,
  /** Each field is set only when its flag is true: null is a value here (no schema, no example). */
  update: `
    UPDATE public.webhook_event_types SET
      description = coalesce($2, description),
      schema = CASE WHEN $3::boolean THEN $4::jsonb ELSE schema END,
      example = CASE WHEN $5::boolean THEN $6::jsonb ELSE example END,
      deprecated = coalesce($7, deprecated),
      archived = coalesce($8, archived)
    WHERE name = $1
    RETURNING ${COLUMNS}`,
} as const;

export class PgEventTypeRepository implements EventTypeRepository {
  constructor(private readonly db: Queryable) {}

  async listEventTypes(): Promise<EventType[]> {
    return (await this.db.query<EventType>(sql.list)).rows;
  }

  async createEventType(type: EventType): Promise<EventType | null> {
    const { rows } = await this.db.query<EventType>(sql.create, [
      type.name,
      type.description,
      json(type.schema),
      json(type.example),
      type.deprecated,
      type.archived,
    ]);
    return rows[0] ?? null;
  }

  async updateEventType(name: string, updates: EventTypeUpdates): Promise<EventType | null> {
    const { rows } = await this.db.query<EventType>(sql.update, [
      name,
      updates.description ?? null,
      updates.schema !== undefined,
      json(updates.schema),
      updates.example !== undefined,
      json(updates.example),
      updates.deprecated ?? null,
      updates.archived ?? null,
    ]);
    return rows[0] ?? null;
  }
}

/** jsonb parameters go as JSON text: a bare JS string or boolean would not be read as JSON. */
function json(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}
