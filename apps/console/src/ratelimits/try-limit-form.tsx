/**
 * One call of the standalone rate limiter (POST /v1/ratelimits/limit), as your service would make it: counted for
 * real, so a try spends what a call spends. Shows what the limiter answered, an override's limit included.
 */
import { useState } from "preact/hooks";
import { api } from "../api";
import { formatDuration } from "../keys/durations";
import { ErrorMessage, useAction } from "../ui";
import { EMPTY_LIMIT_FIELDS, LimitFields, type LimitFieldsForm, toLimitBody } from "./limit-fields";

interface LimitResult {
  success: boolean;
  limit: number;
  duration_ms: number;
  remaining: number;
  reset: number;
  retry_at?: number;
  overridden: boolean;
}

export function TryLimitForm() {
  const [form, setForm] = useState<LimitFieldsForm>(EMPTY_LIMIT_FIELDS);
  const [cost, setCost] = useState("1");
  const [result, setResult] = useState<LimitResult | null>(null);
  const action = useAction();
  return (
    <form
      class="card"
      aria-labelledby="try-limit-heading"
      onSubmit={(e) => {
        e.preventDefault();
        action.run(async () => {
          setResult(null);
          setResult(
            await api<LimitResult>("POST", "/v1/ratelimits/limit", { ...toLimitBody(form), cost: Number(cost.trim()) }),
          );
        });
      }}
    >
      <h2 id="try-limit-heading">Try a call</h2>
      <p class="hint">Counted like your service's calls: a try spends what a call spends.</p>
      <ErrorMessage error={action.error} />
      <div class="grid">
        <LimitFields idPrefix="try" form={form} onChange={setForm} />
        <label for="try-cost">Cost (0 checks without counting)</label>
        <input id="try-cost" value={cost} inputMode="numeric" onInput={(e) => setCost(e.currentTarget.value)} />
      </div>
      <button type="submit" disabled={action.busy}>
        Call the limiter
      </button>
      {result && <LimitAnswer result={result} />}
    </form>
  );
}

function LimitAnswer({ result }: { result: LimitResult }) {
  const time = (ms: number) => new Date(ms).toLocaleTimeString();
  return (
    <output class="facts" aria-label="The limiter's answer">
      <span class={`badge ${result.success ? "ok" : "bad"}`}>{result.success ? "allowed" : "refused"}</span>{" "}
      {result.limit} per {formatDuration(result.duration_ms)}
      {result.overridden ? " (the identifier's override)" : ""}, {result.remaining} left; fully available again at{" "}
      {time(result.reset)}
      {result.retry_at !== undefined && `; retry at ${time(result.retry_at)}`}
    </output>
  );
}
