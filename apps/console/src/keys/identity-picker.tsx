/** Which identity a key belongs to, on the create and edit forms: none, or one of yours by its external id. */
import type { Identity } from "./api-key";

interface IdentityPickerProps {
  id: string;
  /** The chosen identity's id; empty: none. */
  value: string;
  identities: Identity[];
  onChange: (identityId: string) => void;
}

export function IdentityPicker({ id, value, identities, onChange }: IdentityPickerProps) {
  return (
    <>
      <label for={id}>Identity (the key shares its limits and credits)</label>
      <select id={id} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        <option value="">none</option>
        {identities.map((identity) => (
          <option key={identity.id} value={identity.id}>
            {identity.external_id}
          </option>
        ))}
      </select>
    </>
  );
}

/** "acme (shared limits and credits)" for a key's details; the id itself if the identity is not in the list. */
export function identityName(identityId: string | null, identities: Identity[]): string {
  if (identityId === null) return "none";
  return identities.find((i) => i.id === identityId)?.external_id ?? identityId;
}
