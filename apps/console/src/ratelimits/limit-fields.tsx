/** Namespace, identifier, limit and window: what the override form and the try-a-call form both ask for. */
import { toDurationMs, UNIT_LABELS, WINDOW_UNITS, type WindowUnit } from "../keys/durations";

export interface LimitFieldsForm {
  namespace: string;
  identifier: string;
  limit: string;
  window: string;
  unit: WindowUnit;
}

export const EMPTY_LIMIT_FIELDS: LimitFieldsForm = {
  namespace: "",
  identifier: "",
  limit: "",
  window: "1",
  unit: "min",
};

/** The fields as both routes take them; a half-typed number goes as typed (NaN is null) for the API to name. */
export function toLimitBody(form: LimitFieldsForm) {
  return {
    namespace: form.namespace,
    identifier: form.identifier,
    limit: Number(form.limit.trim()),
    duration_ms: toDurationMs(form.window, form.unit),
  };
}

interface LimitFieldsProps {
  /** Starts every input's id: both forms are on the page at once. */
  idPrefix: string;
  form: LimitFieldsForm;
  onChange: (form: LimitFieldsForm) => void;
}

export function LimitFields({ idPrefix, form, onChange }: LimitFieldsProps) {
  const id = (name: string) => `${idPrefix}-${name}`;
  const text = (name: "namespace" | "identifier" | "limit" | "window") => ({
    id: id(name),
    value: form[name],
    onInput: (e: Event) => onChange({ ...form, [name]: (e.currentTarget as HTMLInputElement).value }),
  });
  return (
    <>
      <label for={id("namespace")}>Namespace</label>
      <input {...text("namespace")} placeholder="login-by-ip" required />
      <label for={id("identifier")}>Identifier (an IP, a phone number, a user id)</label>
      <input {...text("identifier")} placeholder="203.0.113.7" required />
      <label for={id("limit")}>Requests</label>
      <input {...text("limit")} inputMode="numeric" required />
      <label for={id("window")}>per window</label>
      <span class="row">
        <input {...text("window")} inputMode="decimal" size={6} required />
        <select
          aria-label="Window unit"
          id={id("unit")}
          value={form.unit}
          onChange={(e) => onChange({ ...form, unit: e.currentTarget.value as WindowUnit })}
        >
          {WINDOW_UNITS.map((unit) => (
            <option key={unit} value={unit}>
              {UNIT_LABELS[unit]}
            </option>
          ))}
        </select>
      </span>
    </>
  );
}
