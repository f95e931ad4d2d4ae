import {
  DEFAULT_APPROVAL_THRESHOLD_CENTS,
  evaluateCustomerRules,
  isApprover,
  needsApproval,
  parseApprovers,
} from '../../src/domain';

describe('needsApproval', () => {
  it('defaults to 1,000.00 and is inclusive', () => {
    expect(DEFAULT_APPROVAL_THRESHOLD_CENTS).toBe(100_000);
    expect(needsApproval(99_999)).toBe(false);
    expect(needsApproval(100_000)).toBe(true);
    expect(needsApproval(100_001)).toBe(true);
  });

  it('honours a custom threshold', () => {
    expect(needsApproval(4_999, 5_000)).toBe(false);
    expect(needsApproval(5_000, 5_000)).toBe(true);
    expect(needsApproval(0, 0)).toBe(true);
  });
});

describe('evaluateCustomerRules', () => {
  it('accepts ordinary customers', () => {
    expect(evaluateCustomerRules({ customerId: 'cust-1', totalCents: 10_000_000, itemCount: 100 })).toEqual({
      ok: true,
    });
    expect(evaluateCustomerRules({ customerId: 'unblocked-1', totalCents: 1, itemCount: 1 })).toEqual({ ok: true });
  });

  it.each(['blocked-1', 'blocked-', 'BLOCKED-x'])('refuses %p as fraud-suspected', (customerId) => {
    const result = evaluateCustomerRules({ customerId, totalCents: 100, itemCount: 1 });
    expect(result).toEqual({ ok: false, reason: 'fraud-suspected', detail: expect.stringContaining(customerId) });
  });
});

describe('approvers', () => {
  it('parses a CSV list', () => {
    expect(parseApprovers('alice, bob ,,alice,  ')).toEqual(['alice', 'bob']);
    expect(parseApprovers('')).toEqual([]);
    expect(parseApprovers(undefined)).toEqual([]);
    expect(parseApprovers(' , ')).toEqual([]);
  });

  it('matches exact names only', () => {
    const approvers = parseApprovers('alice,bob');
    expect(isApprover('alice', approvers)).toBe(true);
    expect(isApprover(' bob ', approvers)).toBe(true);
    expect(isApprover('Alice', approvers)).toBe(false);
    expect(isApprover('mallory', approvers)).toBe(false);
    expect(isApprover('', approvers)).toBe(false);
    expect(isApprover('', [''])).toBe(false);
    expect(isApprover('alice', [])).toBe(false);
  });
});
