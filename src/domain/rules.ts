/** Business rules as pure functions, so workflows can call them directly and tests need no stack. */

/** Orders totalling 1,000.00 or more wait for a human approver. */
export const DEFAULT_APPROVAL_THRESHOLD_CENTS = 100_000;

export function needsApproval(totalCents: number, thresholdCents: number = DEFAULT_APPROVAL_THRESHOLD_CENTS): boolean {
  return totalCents >= thresholdCents;
}

/** Exact (case-sensitive) match after trimming: approver identities are not fuzzy-matched. */
export function isApprover(name: string, approvers: readonly string[]): boolean {
  const trimmed = name.trim();
  return trimmed !== '' && approvers.includes(trimmed);
}

/** 'alice, bob,,alice' -> ['alice', 'bob']: trimmed, blanks dropped, duplicates removed, order kept. */
export function parseApprovers(csv: string | undefined): string[] {
  if (!csv) return [];
  return [
    ...new Set(
      csv
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    ),
  ];
}
