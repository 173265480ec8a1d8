/** In-process wake-ups: routes call wakeWebhookWorkers after an enqueue commits, so a local worker starts at once. */

const listeners = new WeakMap<object, Set<() => void>>();

/** Subscribes to wake-ups for one database (the key is the `Database` object); returns the unsubscribe. */
export function onWebhookMessages(database: object, listener: () => void): () => void {
  let set = listeners.get(database);
  if (!set) {
    set = new Set();
    listeners.set(database, set);
  }
  set.add(listener);
  return () => set.delete(listener);
}

/** Postgres also wakes workers in other processes by NOTIFY; embedded PGlite relies on this alone. */
export function wakeWebhookWorkers(database: object): void {
  for (const listener of listeners.get(database) ?? []) listener();
}
