/**
 * The PascalCase construct id (and Step Functions state name) of a lower-case pipeline id:
 * `normalise-pending` → `NormalisePending`. Construct ids are PascalCase by convention (STYLE.md),
 * and deriving them keeps logical ids stable when a stage is renamed only in its description.
 */
export function constructIdOf(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part.length > 0)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
