/**
 * Your keys and identities, whole and side by side: the keys page names each key's identity, the identities page
 * counts each identity's keys.
 */
import { allPages } from "../api";
import type { ApiKey, Identity } from "./api-key";

export async function loadKeysAndIdentities(): Promise<{ keys: ApiKey[]; identities: Identity[] }> {
  const [keys, identities] = await Promise.all([
    allPages<ApiKey>("/v1/api-keys"),
    allPages<Identity>("/v1/identities"),
  ]);
  return { keys, identities };
}
