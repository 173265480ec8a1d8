/**
 * The event catalog: which event types exist, their payload schemas, and the checks triggerEvent and subscriptions
 * run against it. Backed by an EventTypeRepository (a table, or memory) and cached per process.
 */
import { WebhookError } from "./errors.js";
import { compilePayloadSchema, type PayloadValidator } from "./event-schema.js";
import {
  EVENT_TYPES,
  type EventType,
  type EventTypeDefinition,
  type EventTypeUpdates,
  eventType,
  isEventPattern,
  OPERATIONAL_EVENT_TYPES,
  TEST_EVENT,
} from "./events.js";
import { type Clock, systemClock } from "./system.js";

/** Where event types are kept: the catalog's port (PgEventTypeRepository, MemoryEventTypeRepository). */
export interface EventTypeRepository {
  /** Every event type, archived ones included, by name. */
  listEventTypes(): Promise<EventType[]>;
  /** Null when an event type of that name exists already. */
  createEventType(type: EventType): Promise<EventType | null>;
  /** Null when there is no such event type. */
  updateEventType(name: string, updates: EventTypeUpdates): Promise<EventType | null>;
}

export interface EventCatalogOptions {
  repository: EventTypeRepository;
  now?: Clock;
  /**
   * How long the catalog is cached; default 5 s. Another process's new event type is seen at once (an unknown name
   * reloads the catalog, at most once a second); another process's changes to a type within this time.
   */
  refreshMs?: number;
}

export const DEFAULT_CATALOG_REFRESH_MS = 5_000;
const MISS_RELOAD_MS = 1_000;
/** What a new catalog holds: the built-in event types and the operational ones (as migration 016 seeds them). */
export const DEFAULT_EVENT_TYPES: readonly EventType[] = [...EVENT_TYPES, ...OPERATIONAL_EVENT_TYPES];
const NAME = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const MAX_DESCRIPTION = 1_000;

interface Entry {
  type: EventType;
  /** Compiled on first use, then kept until the catalog reloads. */
  validate?: PayloadValidator;
}

/** The cache, shared by a catalog and the views `through()` makes of it. */
interface CacheState {
  entries?: Map<string, Entry>;
  loadedAt: number;
  loading?: Promise<Map<string, Entry>>;
}

export class EventCatalog {
  readonly repository: EventTypeRepository;
  private readonly now: Clock;
  private readonly refreshMs: number;
  private readonly cache: CacheState;

  constructor(options: EventCatalogOptions, cache?: CacheState) {
    this.repository = options.repository;
    this.now = options.now ?? systemClock;
    this.refreshMs = options.refreshMs ?? DEFAULT_CATALOG_REFRESH_MS;
    this.cache = cache ?? { loadedAt: Number.NEGATIVE_INFINITY };
  }

  /**
   * The same catalog and cache, reading and writing through another repository: the caller's transaction, so a
   * reload never waits on a second connection while that transaction is open (PGlite runs one at a time).
   */
  through(repository: EventTypeRepository): EventCatalog {
    return new EventCatalog({ repository, now: this.now, refreshMs: this.refreshMs }, this.cache);
  }

  /** Event types by name; archived ones only when asked. `fresh` reads the repository instead of the cache. */
  async list(options: { includeArchived?: boolean; fresh?: boolean } = {}): Promise<EventType[]> {
    const entries = options.fresh ? await this.reload() : await this.load();
    return [...entries.values()]
      .map((entry) => entry.type)
      .filter((type) => options.includeArchived || !type.archived)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async get(name: string): Promise<EventType | null> {
    return (await this.entry(name))?.type ?? null;
  }

  /** Adds an event type; refuses a bad definition (`invalid_input`, `invalid_schema`) or a taken name. */
  async define(definition: EventTypeDefinition): Promise<EventType> {
    const type = checkEventTypeDefinition(definition);
    const created = await this.repository.createEventType(type);
    this.invalidate();
    if (!created) {
      throw new WebhookError("event_type_exists", `an event type named ${type.name} exists already`, {
        details: { name: type.name },
      });
    }
    return created;
  }

  async update(name: string, updates: EventTypeUpdates): Promise<EventType> {
    const current = await this.entry(name, true);
    if (!current) throw eventTypeNotFound(name);
    const checked = checkEventTypeDefinition({ ...current.type, ...updates, name });
    const changed: EventTypeUpdates = {};
    for (const key of Object.keys(updates) as (keyof EventTypeUpdates)[]) {
      if (updates[key] !== undefined) (changed as Record<string, unknown>)[key] = checked[key];
    }
    const updated = await this.repository.updateEventType(name, changed);
    this.invalidate();
    if (!updated) throw eventTypeNotFound(name);
    return updated;
  }

  /** The event's type, after checking that it may be triggered and that the payload fits its schema. */
  async checkEvent(name: string, payload: unknown): Promise<EventType> {
    const entry = await this.entry(name);
    if (!entry || entry.type.archived) throw await this.unknownEvent(name);
    if (entry.type.schema !== null) {
      entry.validate ??= compilePayloadSchema(entry.type.schema);
      const problems = entry.validate(payload ?? null);
      if (problems.length > 0) {
        const first = problems[0]!;
        throw new WebhookError(
          "invalid_payload",
          `the payload does not match ${name}'s schema: ${first.path || "the payload"} ${first.message}`,
          { details: { event: name, errors: problems } },
        );
      }
    }
    return entry.type;
  }

  /** Checks a webhook's subscriptions: known, unarchived names, or `prefix.*` patterns matching one of them. */
  async checkSubscriptions(events: unknown): Promise<string[]> {
    if (!Array.isArray(events) || events.length === 0) {
      throw new WebhookError("invalid_input", "events must list at least one event", {
        details: { known: await this.names() },
      });
    }
    for (const event of events) {
      if (typeof event !== "string" || !(await this.subscribable(event))) throw await this.unknownEvent(String(event));
    }
    return [...new Set(events as string[])];
  }

  /** Forget the cache: the next call reads the repository. */
  invalidate(): void {
    this.cache.entries = undefined;
    this.cache.loadedAt = Number.NEGATIVE_INFINITY;
  }

  private async subscribable(event: string): Promise<boolean> {
    if (!isEventPattern(event)) return !((await this.entry(event))?.type.archived ?? true);
    const prefix = event.slice(0, -1);
    if (!NAME.test(prefix.slice(0, -1))) return false;
    const matches = (types: EventType[]) => types.some((type) => type.name.startsWith(prefix));
    return matches(await this.list()) || matches(await this.list({ fresh: true }));
  }

  private async entry(name: string, fresh = false): Promise<Entry | undefined> {
    const entries = fresh ? await this.reload() : await this.load();
    const found = entries.get(name);
    if (found || fresh || this.now().getTime() - this.cache.loadedAt < MISS_RELOAD_MS) return found;
    // Another process may have defined it since this one loaded the catalog.
    return (await this.reload()).get(name);
  }

  private load(): Promise<Map<string, Entry>> {
    const { entries, loadedAt } = this.cache;
    if (entries && this.now().getTime() - loadedAt < this.refreshMs) return Promise.resolve(entries);
    return this.reload();
  }

  private reload(): Promise<Map<string, Entry>> {
    const cache = this.cache;
    cache.loading ??= (async () => {
      try {
        const started = this.now().getTime();
        const types = await this.repository.listEventTypes();
        const previous = cache.entries;
        const entries = new Map<string, Entry>();
        for (const type of types) {
          const old = previous?.get(type.name);
          // A validator survives a reload when its schema did not change.
          const same = old && JSON.stringify(old.type.schema) === JSON.stringify(type.schema);
          entries.set(type.name, { type, validate: same ? old.validate : undefined });
        }
        cache.entries = entries;
        cache.loadedAt = started;
        return entries;
      } finally {
        cache.loading = undefined;
      }
    })();
    return cache.loading;
  }

  private async names(): Promise<string[]> {
    return (await this.list()).map((type) => type.name);
  }

  private async unknownEvent(name: string): Promise<WebhookError> {
    const known = await this.names();
    return new WebhookError("unknown_event", `unknown event "${name}"; known events: ${known.join(", ")}`, {
      details: { event: name, known },
    });
  }
}

/** Checks an event type as an operator wrote it, compiling its schema; answers it with every field set. */
export function checkEventTypeDefinition(definition: EventTypeDefinition): EventType {
  const input = (definition ?? {}) as unknown as Record<string, unknown>;
  const { name, description } = input;
  if (typeof name !== "string" || name.length > 255 || !NAME.test(name) || name === TEST_EVENT) {
    throw invalid("name", "name is 1 to 255 letters, digits, _ or -, in segments separated by dots");
  }
  if (typeof description !== "string" || description.trim().length === 0 || description.length > MAX_DESCRIPTION) {
    throw invalid("description", `description is 1 to ${MAX_DESCRIPTION} characters`);
  }
  for (const flag of ["deprecated", "archived"] as const) {
    if (input[flag] !== undefined && typeof input[flag] !== "boolean") throw invalid(flag, `${flag} is a boolean`);
  }
  const schema = input.schema ?? null;
  if (schema !== null && typeof schema !== "boolean" && (typeof schema !== "object" || Array.isArray(schema))) {
    throw new WebhookError("invalid_schema", "schema is a JSON Schema: an object or a boolean", {
      details: { field: "schema" },
    });
  }
  const type = eventType({ ...definition, schema: schema as EventType["schema"] });
  if (type.schema !== null) {
    const validate = compilePayloadSchema(type.schema);
    const problems = type.example === null ? [] : validate(type.example);
    if (problems.length > 0) {
      const first = problems[0]!;
      throw invalid("example", `example does not match the schema: ${first.path || "the example"} ${first.message}`);
    }
  }
  return type;
}

/** In memory: the default store of `defineEventTypes`, and the test double of the table. */
export class MemoryEventTypeRepository implements EventTypeRepository {
  private readonly types = new Map<string, EventType>();

  constructor(types: readonly EventType[] = DEFAULT_EVENT_TYPES) {
    for (const type of types) this.types.set(type.name, structuredClone(type));
  }

  async listEventTypes(): Promise<EventType[]> {
    return [...this.types.values()].map((type) => structuredClone(type));
  }

  async createEventType(type: EventType): Promise<EventType | null> {
    if (this.types.has(type.name)) return null;
    this.types.set(type.name, structuredClone(type));
    return structuredClone(type);
  }

  async updateEventType(name: string, updates: EventTypeUpdates): Promise<EventType | null> {
    const current = this.types.get(name);
    if (!current) return null;
    const updated = eventType({ ...current, ...structuredClone(updates), name });
    this.types.set(name, updated);
    return structuredClone(updated);
  }
}

/**
 * A catalog in memory: the built-in event types (unless `defaults: false`) and these, checked now (a bad definition
 * throws here, at start). A later definition of a built-in name replaces it.
 */
export function defineEventTypes(
  definitions: readonly EventTypeDefinition[] = [],
  options: { defaults?: boolean; now?: Clock } = {},
): EventCatalog {
  const types = new Map<string, EventType>();
  if (options.defaults ?? true) for (const type of DEFAULT_EVENT_TYPES) types.set(type.name, type);
  for (const definition of definitions) {
    const type = checkEventTypeDefinition(definition);
    types.set(type.name, type);
  }
  return new EventCatalog({ repository: new MemoryEventTypeRepository([...types.values()]), now: options.now });
}

function invalid(field: string, message: string): WebhookError {
  return new WebhookError("invalid_input", message, { details: { field } });
}

function eventTypeNotFound(name: string): WebhookError {
  return new WebhookError("event_type_not_found", `no event type named ${name}`, { details: { name } });
}
