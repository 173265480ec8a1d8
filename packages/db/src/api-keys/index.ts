// Adapters for @vx/api-keys: filled in by the api-keys work.
export {};
