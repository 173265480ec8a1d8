// The specification's "API Keys Service" samples, verbatim, each followed by checks of what it did.
// biome-ignore-all format: the specification's samples keep the quotes and layout it prints
import { check, checkEqual, rejection } from "../check.js";
import type { Services } from "../services.js";

export async function runApiKeySamples({ apiKeyService }: Services, userId: string): Promise<void> {
  console.log("API keys");
  const startedAt = Date.now();

  // spec: Create API Key
  const { apiKey, plainKey } = await apiKeyService.createApiKey({
    user_id: userId,
    name: 'Production API Key',
    expires_in_days: 90,
    rate_limit: 1000,
    usage_quota: 100000,
    scopes: ['agents:read', 'agents:write']
  });
  const keyId = apiKey.id;
  check("the plain key is a vx_ key", plainKey.startsWith("vx_"));
  checkEqual("key_prefix is the plain key's first 10 characters", apiKey.key_prefix, plainKey.slice(0, 10));
  check("the stored key never carries its hash", !("key_hash" in apiKey));
  const expiresInDays = ((apiKey.expires_at?.getTime() ?? 0) - startedAt) / 86_400_000;
  check("the key expires in 90 days", Math.abs(expiresInDays - 90) < 0.01, apiKey.expires_at);
  checkEqual("scopes are kept", apiKey.scopes, ["agents:read", "agents:write"]);

  {
    // spec: Validate API Key
    const apiKey = await apiKeyService.validateApiKey(plainKey);
    if (apiKey) {
      // Key is valid and active
    }
    checkEqual("validateApiKey finds the key", apiKey?.id, keyId);
  }
  const mistyped = `${plainKey.slice(0, -1)}${plainKey.endsWith("A") ? "B" : "A"}`;
  checkEqual("a mistyped key is not valid", await apiKeyService.validateApiKey(mistyped), null);

  {
    // spec: List API Keys
    const keys = await apiKeyService.listApiKeys(userId);
    checkEqual("listApiKeys lists the user's key", keys.map((key) => key.id), [keyId]);
  }

  // spec: Update API Key
  await apiKeyService.updateApiKey(keyId, userId, {
    name: 'Updated Name',
    rate_limit: 2000
  });
  const updated = await apiKeyService.getApiKey(keyId, userId);
  checkEqual("updateApiKey changes name and rate limit", [updated.name, updated.rate_limit], ["Updated Name", 2000]);

  {
    // spec: Usage Statistics
    const stats = await apiKeyService.getApiKeyStats(keyId, userId);
    checkEqual("stats count the one successful validation", stats.total_requests, 1);
    checkEqual("stats show the quota left", stats.remaining_quota, 99999);
    checkEqual("stats show this hour's requests", stats.requests_this_hour, 1);
  }

  // spec: Revoke API Key
  await apiKeyService.revokeApiKey(keyId, userId);
  checkEqual("a revoked key no longer validates", await apiKeyService.validateApiKey(plainKey), null);
  checkEqual("verifyApiKey says why", (await apiKeyService.verifyApiKey(plainKey)).code, "DISABLED");

  // spec: Delete API Key
  await apiKeyService.deleteApiKey(keyId, userId);
  checkEqual("a deleted key is gone from the list", await apiKeyService.listApiKeys(userId), []);
  const missing = await rejection("getApiKey after delete", apiKeyService.getApiKey(keyId, userId));
  checkEqual("a deleted key is NOT_FOUND", missing.code, "NOT_FOUND");
}
