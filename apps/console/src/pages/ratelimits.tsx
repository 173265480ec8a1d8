/**
 * The standalone rate limiter, for anything that is not a key (per IP, per phone number): your per-identifier
 * overrides (list by namespace, set, remove) and a form that makes one real call, to see what your service sees.
 */
import { useEffect, useState } from "preact/hooks";
import { allPages, api, query } from "../api";
import { formatDuration } from "../keys/durations";
import { type Override, OverrideForm } from "../ratelimits/override-form";
import { TryLimitForm } from "../ratelimits/try-limit-form";
import { ErrorMessage, Notice, useAction } from "../ui";

export function RateLimitsPage() {
  const [overrides, setOverrides] = useState<Override[] | null>(null);
  const [namespace, setNamespace] = useState("");
  const [notice, setNotice] = useState("");
  const action = useAction();

  const load = () =>
    action.run(async () => setOverrides(await allPages<Override>(`/v1/ratelimits/overrides${query({ namespace })}`)));
  useEffect(() => {
    load();
  }, []);

  const remove = (o: Override) =>
    action.run(async () => {
      await api("DELETE", `/v1/ratelimits/overrides${query({ namespace: o.namespace, identifier: o.identifier })}`);
      setNotice(`Removed the override of ${o.identifier} in ${o.namespace}.`);
      await load();
    });

  return (
    <>
      <h1>Rate limits</h1>
      <p class="hint">
        Your services call <code>POST /v1/ratelimits/limit</code> (or <code>RateLimiter.limit</code> in
        <code> @vx/api-keys</code>) with a namespace, an identifier and the limit they want; an override set here wins.
      </p>
      <ErrorMessage error={action.error} />
      {notice && <Notice>{notice}</Notice>}
      <OverrideForm
        onSaved={(o) => {
          setNotice(`${o.identifier} in ${o.namespace} is limited to ${o.limit} per ${formatDuration(o.duration_ms)}.`);
          load();
        }}
      />
      <h2>Your overrides</h2>
      <form
        class="toolbar"
        aria-label="Filter overrides"
        onSubmit={(e) => {
          e.preventDefault();
          load();
        }}
      >
        <label for="overrides-namespace">Namespace (empty: all)</label>
        <input id="overrides-namespace" value={namespace} onInput={(e) => setNamespace(e.currentTarget.value)} />
        <button type="submit">Show</button>
      </form>
      {overrides && overrides.length === 0 && <p>No overrides.</p>}
      {overrides && overrides.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Namespace</th>
                <th scope="col">Identifier</th>
                <th scope="col">Limit</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {overrides.map((o) => (
                <tr key={`${o.namespace} ${o.identifier}`}>
                  <td>{o.namespace}</td>
                  <th scope="row">{o.identifier}</th>
                  <td>
                    {o.limit} / {formatDuration(o.duration_ms)}
                  </td>
                  <td class="actions">
                    <button type="button" class="danger" onClick={() => remove(o)}>
                      Remove<span class="sr-only"> the override of {o.identifier}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <TryLimitForm />
    </>
  );
}
