/**
 * The fields the forms of keys and identities share: named limits, credits and meta, in that order, with a refused
 * limit input marked and the meta's problem beside its textarea.
 */
import type { ComponentChildren } from "preact";
import { ApiProblem } from "../api";
import { CreditsFields } from "./credits-fields";
import type { ExtrasForm } from "./extras-changes";
import { refusedLimitFields } from "./limit-problems";
import { LimitsEditor } from "./limits-editor";
import { MetaField } from "./meta-field";

interface ExtrasFieldsProps {
  /** Starts every input's id ("create", "edit", …): several forms can be on the page at once. */
  idPrefix: string;
  form: ExtrasForm;
  onChange: (form: ExtrasForm) => void;
  /** The form's last error, whose refused limit inputs are marked. */
  error: unknown;
  /** The meta's problem; empty when there is none. */
  metaError: string;
  /** The meta was edited: its problem no longer applies. */
  onMetaEdited: () => void;
  metaLabel: string;
  /** A further hint about credits. */
  creditsHint?: ComponentChildren;
}

export function ExtrasFields(props: ExtrasFieldsProps) {
  const { idPrefix, form, onChange, error } = props;
  return (
    <>
      <LimitsEditor
        rows={form.limits}
        onChange={(limits) => onChange({ ...form, limits })}
        refused={refusedLimitFields(error instanceof ApiProblem ? error.fields : [])}
      />
      <CreditsFields form={form.credits} onChange={(credits) => onChange({ ...form, credits })} idPrefix={idPrefix}>
        {props.creditsHint}
      </CreditsFields>
      <MetaField
        id={`${idPrefix}-meta`}
        label={props.metaLabel}
        text={form.metaText}
        error={props.metaError}
        onInput={(metaText) => {
          onChange({ ...form, metaText });
          props.onMetaEdited();
        }}
      />
    </>
  );
}

/** On an Edit form: how a change of credits is applied, and where to add or take them instead. */
export function CreditsEditHint({ owner }: { owner: "key" | "identity" }) {
  return (
    <p class="hint">
      A change of the refill alone keeps the credits left; a change of the count sets it to what is typed. To add or
      take credits, use the {owner}'s Details.
    </p>
  );
}

/**
 * Meta is checked before anything is sent, because the textarea is where the mistake is: its problem goes beside
 * it, the form's own error is cleared and the focus moves into it. True when there is a problem (send nothing).
 */
export function showMetaProblem(
  problem: string,
  fieldId: string,
  setMetaError: (problem: string) => void,
  action: { setError: (error: unknown) => void },
): boolean {
  setMetaError(problem);
  if (!problem) return false;
  action.setError(null);
  document.getElementById(fieldId)?.focus();
  return true;
}
