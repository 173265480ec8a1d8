/** Setting an identifier's override (PUT /v1/ratelimits/overrides): its limit and window, whatever callers pass. */
import { useState } from "preact/hooks";
import { api } from "../api";
import { ErrorMessage, useAction } from "../ui";
import { EMPTY_LIMIT_FIELDS, LimitFields, type LimitFieldsForm, toLimitBody } from "./limit-fields";

export interface Override {
  namespace: string;
  identifier: string;
  limit: number;
  duration_ms: number;
}

export function OverrideForm({ onSaved }: { onSaved: (override: Override) => void }) {
  const [form, setForm] = useState<LimitFieldsForm>(EMPTY_LIMIT_FIELDS);
  const action = useAction();
  return (
    <form
      class="card"
      aria-labelledby="override-heading"
      onSubmit={(e) => {
        e.preventDefault();
        action.run(async () => {
          const saved = await api<Override>("PUT", "/v1/ratelimits/overrides", toLimitBody(form));
          setForm(EMPTY_LIMIT_FIELDS);
          onSaved(saved);
        });
      }}
    >
      <h2 id="override-heading">Set an override</h2>
      <p class="hint">
        One identifier gets its own limit and window, whatever your service passes: a partner's IP allowed more, an
        abusive number allowed less. Setting it again replaces it. What an identifier has spent stays spent, measured in
        time, when its limit changes or its override is removed.
      </p>
      <ErrorMessage error={action.error} />
      <div class="grid">
        <LimitFields idPrefix="override" form={form} onChange={setForm} />
      </div>
      <button type="submit" disabled={action.busy}>
        Save override
      </button>
    </form>
  );
}
