/** A key's meta as a JSON textarea, with the reason beside it when the text is not a JSON object. */

interface MetaFieldProps {
  /** The textarea's id; the message's is `${id}-error`. */
  id: string;
  label: string;
  text: string;
  /** The inline message; empty when there is none. */
  error: string;
  onInput: (text: string) => void;
}

export function MetaField({ id, label, text, error, onInput }: MetaFieldProps) {
  const errorId = `${id}-error`;
  return (
    <>
      <label for={id}>{label}</label>
      <textarea
        id={id}
        class="mono"
        rows={3}
        placeholder='{"plan": "pro"}'
        value={text}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={error ? errorId : undefined}
        onInput={(e) => onInput(e.currentTarget.value)}
      />
      {error && (
        <p id={errorId} class="field-error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}
