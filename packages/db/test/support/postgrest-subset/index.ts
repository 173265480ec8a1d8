// The PostgREST-subset stand-in for tests (see server.ts for what it is and is not) and its token helpers.
export { signJwt } from "./jwt.js";
export { type PostgrestSubset, type PostgrestSubsetOptions, startPostgrestSubset } from "./server.js";
