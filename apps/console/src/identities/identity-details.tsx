/** One identity: its shared limits, credits (with a control to change them), meta, and the keys that share them. */
import type { ApiKey, Identity } from "../keys/api-key";
import { CreditsControl } from "../keys/credits-control";
import { NamedLimits } from "../keys/key-details";
import { describeCredits } from "../keys/limits-text";

interface IdentityDetailsProps {
  identity: Identity;
  /** Its keys. */
  keys: ApiKey[];
  onCreditsChanged: (remaining: number) => void;
}

export function IdentityDetails({ identity, keys, onCreditsChanged }: IdentityDetailsProps) {
  return (
    <section class="card" aria-labelledby="identity-details-heading">
      <h2 id="identity-details-heading">Details of "{identity.external_id}"</h2>
      <dl class="facts key-details">
        <dt>Keys</dt>
        <dd>
          {keys.length === 0 ? (
            "none yet: choose this identity when you create or edit a key"
          ) : (
            <ul class="plain">
              {keys.map((key) => (
                <li key={key.id}>
                  {key.name} <span class="mono">{key.key_prefix}…</span>
                  {key.enabled ? "" : " (revoked)"}
                </li>
              ))}
            </ul>
          )}
        </dd>
        <dt>Named limits</dt>
        <dd>
          <NamedLimits limits={identity.ratelimits} />
        </dd>
        <dt>Credits</dt>
        <dd>{describeCredits(identity.credits)}</dd>
        <dt>Meta</dt>
        <dd>{identity.meta === null ? "none" : <pre class="excerpt">{JSON.stringify(identity.meta, null, 2)}</pre>}</dd>
      </dl>
      <CreditsControl
        path={`/v1/identities/${identity.id}/credits`}
        credits={identity.credits}
        owner="identity"
        onChanged={onCreditsChanged}
      />
    </section>
  );
}
