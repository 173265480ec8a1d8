/** Everything a route plugin needs, in one import: `import { withUser, requireScope, … } from "../../route-kit.js"`. */
export type {
  AppContext,
  AuthStrategy,
  ErrorMapping,
  Principal,
  PrincipalRole,
  RoutePlugin,
  ZodApp,
} from "./context.js";
export { ApiError, type ApiErrorCode, type FieldError } from "./errors.js";
export type { Guard } from "./http/auth.js";
export { bearerToken, hasScope, requirePrincipal, requireScope, requireServiceRole, requireUser } from "./http/auth.js";
export {
  DEFAULT_PAGE_SIZE,
  decodeCursor,
  encodeCursor,
  type KeysetCursor,
  keysetCursor,
  MAX_PAGE_SIZE,
  type PaginationQuery,
  page,
  paginationQuery,
  toPage,
} from "./http/pagination.js";
export { problemSchema } from "./http/problem-schema.js";
export { setResponseHeader } from "./http/response-headers.js";
export { isStorableDate, timestampInput } from "./http/timestamps.js";
export { withUser } from "./http/with-user.js";
