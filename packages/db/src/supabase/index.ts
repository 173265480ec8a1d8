// @vx/db/supabase: the vx repositories over supabase-js (PostgREST over HTTP), for runtimes without TCP to
// Postgres such as edge functions. Imports supabase-js types only: pass in the clients you created.
export { createSupabaseRepositories, type SupabaseRepositories } from "./create-repositories.js";
// The schema's types as `supabase gen types typescript` makes them: `createClient<Database>(url, key)`.
export type {
  CompositeTypes,
  Database,
  Enums,
  Json,
  Tables,
  TablesInsert,
  TablesUpdate,
} from "./database.types.js";
export {
  type AnySupabaseClient,
  type RpcArgs,
  type RpcName,
  SupabaseRequestError,
  type VxSupabaseClient,
} from "./postgrest.js";
export { SupabaseApiKeyRepository } from "./supabase-api-key-repository.js";
export {
  SupabaseAuditRepository,
  SupabaseConsentRepository,
  SupabaseRetentionRepository,
  type SupabaseUserDataClients,
  SupabaseUserDataRepository,
} from "./supabase-compliance-repositories.js";
export { SupabaseEventTypeRepository } from "./supabase-event-type-repository.js";
export { SupabaseIvrMenuRepository } from "./supabase-ivr-menu-repository.js";
export { SupabaseIvrSessionRepository } from "./supabase-ivr-session-repository.js";
export { SupabaseRateLimitRepository } from "./supabase-ratelimit-repository.js";
export { SupabaseWebhookRepository } from "./supabase-webhook-repository.js";
