// Every repository of the vx packages on one supabase-js client, for wiring a request handler in one line.
import type { VxSupabaseClient } from "./postgrest.js";
import { SupabaseApiKeyRepository } from "./supabase-api-key-repository.js";
import {
  SupabaseAuditRepository,
  SupabaseConsentRepository,
  SupabaseRetentionRepository,
} from "./supabase-compliance-repositories.js";
import { SupabaseEventTypeRepository } from "./supabase-event-type-repository.js";
import { SupabaseIvrMenuRepository } from "./supabase-ivr-menu-repository.js";
import { SupabaseIvrSessionRepository } from "./supabase-ivr-session-repository.js";
import { SupabaseRateLimitRepository } from "./supabase-ratelimit-repository.js";
import { SupabaseWebhookRepository } from "./supabase-webhook-repository.js";

export interface SupabaseRepositories {
  apiKeys: SupabaseApiKeyRepository;
  rateLimits: SupabaseRateLimitRepository;
  webhooks: SupabaseWebhookRepository;
  eventTypes: SupabaseEventTypeRepository;
  ivrMenus: SupabaseIvrMenuRepository;
  ivrSessions: SupabaseIvrSessionRepository;
  audit: SupabaseAuditRepository;
  retention: SupabaseRetentionRepository;
  consents: SupabaseConsentRepository;
}

/**
 * With a user's client (anon key + the user's JWT) every repository acts as that user and RLS applies; with the
 * service-role client they do system work (verification, rate limiting, workers, sessions, retention). The GDPR
 * repository needs both: `new SupabaseUserDataRepository({ asUser, service })`.
 */
export function createSupabaseRepositories({ client }: { client: VxSupabaseClient }): SupabaseRepositories {
  return {
    apiKeys: new SupabaseApiKeyRepository(client),
    rateLimits: new SupabaseRateLimitRepository(client),
    webhooks: new SupabaseWebhookRepository(client),
    eventTypes: new SupabaseEventTypeRepository(client),
    ivrMenus: new SupabaseIvrMenuRepository(client),
    ivrSessions: new SupabaseIvrSessionRepository(client),
    audit: new SupabaseAuditRepository(client),
    retention: new SupabaseRetentionRepository(client),
    consents: new SupabaseConsentRepository(client),
  };
}
