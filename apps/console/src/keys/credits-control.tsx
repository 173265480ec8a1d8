/** Setting, adding to or taking from a key's credits (POST /v1/api-keys/:id/credits), after any refill that is due. */
import { useState } from "preact/hooks";
import { api } from "../api";
import { ErrorMessage, useAction } from "../ui";
import type { ApiKey } from "./api-key";

type CreditsOp = "set" | "increment" | "decrement";

export function CreditsControl({ apiKey, onChanged }: { apiKey: ApiKey; onChanged: (remaining: number) => void }) {
  const [op, setOp] = useState<CreditsOp>("increment");
  const [amount, setAmount] = useState("");
  const action = useAction();
  return (
    <form
      aria-labelledby="credits-control-heading"
      onSubmit={(e) => {
        e.preventDefault();
        action.run(async () => {
          const changed = await api<{ remaining: number }>("POST", `/v1/api-keys/${apiKey.id}/credits`, {
            op,
            amount: Number(amount.trim()),
          });
          setAmount("");
          onChanged(changed.remaining);
        });
      }}
    >
      <h3 id="credits-control-heading">Change credits</h3>
      {apiKey.credits === null && (
        <p class="hint">This key has unlimited credits: a change gives it credits, counted from 0.</p>
      )}
      <ErrorMessage error={action.error} />
      <div class="toolbar">
        <label for="credits-op" class="sr-only">
          Change
        </label>
        <select id="credits-op" value={op} onChange={(e) => setOp(e.currentTarget.value as CreditsOp)}>
          <option value="increment">Add</option>
          <option value="decrement">Take away</option>
          <option value="set">Set to</option>
        </select>
        <label for="credits-amount" class="sr-only">
          Credits
        </label>
        <input
          id="credits-amount"
          value={amount}
          inputMode="numeric"
          size={10}
          onInput={(e) => setAmount(e.currentTarget.value)}
          required
        />
        <button type="submit" disabled={action.busy}>
          Change credits
        </button>
      </div>
    </form>
  );
}
