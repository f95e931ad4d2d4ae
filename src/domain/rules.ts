/** Business rules as pure functions, so workflows can call them directly and tests need no stack. */

/** Orders totalling 1,000.00 or more wait for a human approver. */
export const DEFAULT_APPROVAL_THRESHOLD_CENTS = 100_000;

export function needsApproval(totalCents: number, thresholdCents: number = DEFAULT_APPROVAL_THRESHOLD_CENTS): boolean {
  return totalCents >= thresholdCents;
}

export interface CustomerRuleInput {
  customerId: string;
  totalCents: number;
  itemCount: number;
}

export type CustomerRuleResult = { ok: true } | { ok: false; reason: 'fraud-suspected'; detail: string };

export const BLOCKED_CUSTOMER_PREFIX = 'blocked-';

/**
 * DEMO rule standing in for a real fraud/risk service: customer IDs starting with "blocked-"
 * (case-insensitive) are refused, which gives tests and demos a deterministic way to hit the
 * fraud path. totalCents/itemCount are accepted so real rules can be added without changing callers.
 */
export function evaluateCustomerRules(input: CustomerRuleInput): CustomerRuleResult {
  if (input.customerId.toLowerCase().startsWith(BLOCKED_CUSTOMER_PREFIX)) {
    return { ok: false, reason: 'fraud-suspected', detail: `customer ${input.customerId} is on the block list` };
  }
  return { ok: true };
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
