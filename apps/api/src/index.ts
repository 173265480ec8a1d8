/** @vx/api: build the app in code (`buildApp`), or run it with the `vx` CLI. */

export type { BuildAppOptions } from "./app.js";
export { buildApp, DOMAIN_ROUTES } from "./app.js";
export type { Config, LogLevel } from "./config.js";
export { loadConfig } from "./config.js";
export * from "./route-kit.js";
