/**
 * Setting, adding to or taking from the credits of a key (POST /v1/api-keys/:id/credits) or of an identity (POST
 * /v1/identities/:id/credits), after any refill that is due.
 */
import { useState } from "preact/hooks";
import { api } from "../api";
import { ErrorMessage, useAction } from "../ui";
import type { Credits } from "./api-key";

type CreditsOp = "set" | "increment" | "decrement";

interface CreditsControlProps {
  /** The owner's credits route. */
  path: string;
  credits: Credits | null;
  /** "key" or "identity", for the hint about unlimited credits. */
  owner: string;
  onChanged: (remaining: number) => void;
}

export function CreditsControl({ path, credits, owner, onChanged }: CreditsControlProps) {
  const [op, setOp] = useState<CreditsOp>("increment");
  const [amount, setAmount] = useState("");
  const action = useAction();
  return (
    <form
      aria-labelledby="credits-control-heading"
      onSubmit={(e) => {
        e.preventDefault();
        action.run(async () => {
          const changed = await api<{ remaining: number }>("POST", path, {
            op,
            amount: Number(amount.trim()),
          });
          setAmount("");
          onChanged(changed.remaining);
        });
      }}
    >
      <h3 id="credits-control-heading">Change credits</h3>
      {credits === null && (
        <p class="hint">This {owner} has unlimited credits: a change gives it credits, counted from 0.</p>
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
