/** One key's settings beyond the list's columns: named limits, credits (with a control to change them) and meta. */
import type { ApiKey } from "./api-key";
import { CreditsControl } from "./credits-control";
import { describeRefill, formatLimit } from "./limits-text";

export function KeyDetails({
  apiKey,
  onCreditsChanged,
}: {
  apiKey: ApiKey;
  onCreditsChanged: (remaining: number) => void;
}) {
  return (
    <section class="card" aria-labelledby="key-details-heading">
      <h2 id="key-details-heading">Details of "{apiKey.name}"</h2>
      <dl class="facts key-details">
        <dt>Rate limit per hour</dt>
        <dd>{apiKey.rate_limit ?? "none"}</dd>
        <dt>Lifetime quota</dt>
        <dd>{apiKey.usage_quota === null ? "none" : `${apiKey.usage_count} of ${apiKey.usage_quota} used`}</dd>
        <dt>Named limits</dt>
        <dd>
          <NamedLimits apiKey={apiKey} />
        </dd>
        <dt>Credits</dt>
        <dd>
          {apiKey.credits === null
            ? "unlimited"
            : [`${apiKey.credits.remaining} remaining`, apiKey.credits.refill && describeRefill(apiKey.credits.refill)]
                .filter(Boolean)
                .join(", ")}
        </dd>
        <dt>Meta</dt>
        <dd>{apiKey.meta === null ? "none" : <pre class="excerpt">{JSON.stringify(apiKey.meta, null, 2)}</pre>}</dd>
      </dl>
      <CreditsControl apiKey={apiKey} onChanged={onCreditsChanged} />
    </section>
  );
}

function NamedLimits({ apiKey }: { apiKey: ApiKey }) {
  if (apiKey.ratelimits.length === 0) return <>none</>;
  return (
    <ul class="plain">
      {apiKey.ratelimits.map((limit) => (
        <li key={limit.name}>
          <code>{limit.name}</code> {formatLimit(limit)}
          {limit.auto_apply ? "" : " (only when a verification names it)"}
        </li>
      ))}
    </ul>
  );
}
