/** Small shared pieces: error and status messages, a copy button, a busy-aware form action, dates. */
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { ApiProblem } from "./api";

/** An error as a person reads it: the problem's title and detail, then each field that was refused. */
export function ErrorMessage({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  const fields = error instanceof ApiProblem ? error.fields : [];
  return (
    <div class="error" role="alert">
      <strong>{message}</strong>
      {fields.length > 0 && (
        <ul>
          {fields.map((f) => (
            <li key={f.field}>
              <code>{f.field}</code>: {f.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Notice({ children }: { children: ComponentChildren }) {
  return (
    <p class="notice" role="status">
      {children}
    </p>
  );
}

/** Runs an async action with a busy flag and keeps its error to show. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function run(work: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, run, setError };
}

/** A secret shown once: read-only, selectable, with a copy button. */
export function SecretOnce({ label, value, note }: { label: string; value: string; note: string }) {
  const [copied, setCopied] = useState(false);
  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
    } catch {
      // No clipboard permission (plain http on another host): select the text so Ctrl-C copies it.
      (document.getElementById("secret-once") as HTMLInputElement | null)?.select();
    }
    setCopied(true);
  }
  return (
    <div class="secret">
      <label for="secret-once">{label}</label>
      <div class="row">
        <input id="secret-once" class="mono" readOnly value={value} onFocus={(e) => e.currentTarget.select()} />
        <button type="button" onClick={copy}>
          {copied ? "Copied" : "Copy"}
        </button>
      </div>
      <p class="hint">{note}</p>
    </div>
  );
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "never";
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** An optional whole number from a text field: empty is null (unlimited). */
export function optionalInt(value: string): number | null {
  const trimmed = value.trim();
  return trimmed === "" ? null : Number(trimmed);
}

export function splitList(value: string): string[] {
  return value
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}
