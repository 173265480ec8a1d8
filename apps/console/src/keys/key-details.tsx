/**
 * One key's settings beyond the list's columns: its identity, named limits, credits (with a control to change them)
 * and meta.
 */
import type { ApiKey, Identity, RateLimitConfig } from "./api-key";
import { CreditsControl } from "./credits-control";
import { identityName } from "./identity-picker";
import { describeCredits, formatLimit } from "./limits-text";

interface KeyDetailsProps {
  apiKey: ApiKey;
  identities: Identity[];
  onCreditsChanged: (remaining: number) => void;
}

export function KeyDetails({ apiKey, identities, onCreditsChanged }: KeyDetailsProps) {
  return (
    <section class="card" aria-labelledby="key-details-heading">
      <h2 id="key-details-heading">Details of "{apiKey.name}"</h2>
      <dl class="facts key-details">
        <dt>Rate limit per hour</dt>
        <dd>{apiKey.rate_limit ?? "none"}</dd>
        <dt>Lifetime quota</dt>
        <dd>{apiKey.usage_quota === null ? "none" : `${apiKey.usage_count} of ${apiKey.usage_quota} used`}</dd>
        <dt>Identity</dt>
        <dd>
          {apiKey.identity_id === null ? (
            "none"
          ) : (
            <a href={`#/identities/${apiKey.identity_id}`}>{identityName(apiKey.identity_id, identities)}</a>
          )}
        </dd>
        <dt>Named limits</dt>
        <dd>
          <NamedLimits limits={apiKey.ratelimits} />
        </dd>
        <dt>Credits</dt>
        <dd>{describeCredits(apiKey.credits)}</dd>
        <dt>Meta</dt>
        <dd>{apiKey.meta === null ? "none" : <pre class="excerpt">{JSON.stringify(apiKey.meta, null, 2)}</pre>}</dd>
      </dl>
      <CreditsControl
        path={`/v1/api-keys/${apiKey.id}/credits`}
        credits={apiKey.credits}
        owner="key"
        onChanged={onCreditsChanged}
      />
    </section>
  );
}

/** A key's or an identity's named limits, one to a line. */
export function NamedLimits({ limits }: { limits: RateLimitConfig[] }) {
  if (limits.length === 0) return <>none</>;
  return (
    <ul class="plain">
      {limits.map((limit) => (
        <li key={limit.name}>
          <code>{limit.name}</code> {formatLimit(limit)}
          {limit.auto_apply ? "" : " (only when a verification names it)"}
        </li>
      ))}
    </ul>
  );
}
