// Scopes are free-form `resource:action` strings; `resource:*` and `*` grant every action of one or all resources.
/** A scope a key may hold: `*`, `resource:*` or `resource:action`. */
export const GRANTED_SCOPE_PATTERN = /^(\*|[a-z][a-z0-9_-]{0,49}:(\*|[a-z][a-z0-9_.-]{0,49}))$/;
/** A scope a caller may require: always concrete (`resource:action`), never a wildcard. */
export const REQUIRED_SCOPE_PATTERN = /^[a-z][a-z0-9_-]{0,49}:[a-z][a-z0-9_.-]{0,49}$/;
export const MAX_SCOPES = 64;

/** Whether one granted scope meets one required scope. The SQL function `vx_api_key_scopes_allow` mirrors this. */
export function scopeAllows(granted: string, required: string): boolean {
  if (granted === "*" || granted === required) return true;
  return granted.endsWith(":*") && required.startsWith(granted.slice(0, -1));
}

/** Whether a key's scopes meet every required scope. */
export function scopesAllow(granted: readonly string[], required: readonly string[]): boolean {
  return required.every((r) => granted.some((g) => scopeAllows(g, r)));
}
