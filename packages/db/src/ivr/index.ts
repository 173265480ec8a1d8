// Adapters for @vx/ivr.
export { PgIvrMenuRepository } from "./pg-ivr-menu-repository.js";
export { PgIvrSessionRepository } from "./pg-ivr-session-repository.js";
