import {
  DEFAULT_APPROVAL_THRESHOLD_CENTS,
  RuleSetSchema,
  approversFor,
  assessRisk,
  defaultRuleSet,
  formatZodError,
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

describe('assessRisk (the default rule set, then each rule)', () => {
  const facts = { customerId: 'cust-1', totalCents: 10_000, country: 'DE', previousOrders: 3, ordersInWindow: 1 };
  const risk = defaultRuleSet(100_000).risk;

  it('accepts ordinary customers', () => {
    expect(assessRisk(facts, risk)).toEqual({ ok: true });
    expect(assessRisk({ ...facts, customerId: 'unblocked-1' }, risk)).toEqual({ ok: true });
  });

  it.each(['blocked-1', 'blocked-', 'BLOCKED-x'])('refuses %p (the demo prefix) as fraud-suspected', (customerId) => {
    expect(assessRisk({ ...facts, customerId }, risk)).toEqual({
      ok: false,
      reason: 'fraud-suspected',
      detail: expect.stringContaining(customerId),
    });
  });

  it.each([
    [{ blockedCustomers: ['cust-1'] }, {}, 'block list'],
    [{ blockedCountries: ['DE'] }, {}, 'shipping to DE is blocked'],
    [{ maxOrderCents: 9_999 }, {}, 'limit for one order'],
    [{ firstOrderMaxCents: 5_000 }, { previousOrders: 0 }, 'a first order may not exceed 5000'],
    [{ velocity: { maxOrders: 1, windowHours: 24 } }, {}, 'more than 1 orders within 24 h'],
  ])('refuses by rule %j', (rule, fact, detail) => {
    expect(assessRisk({ ...facts, ...fact }, { ...risk, ...rule })).toMatchObject({
      ok: false,
      detail: expect.stringContaining(detail),
    });
  });

  it('a first-order limit spares returning customers', () => {
    expect(assessRisk(facts, { ...risk, firstOrderMaxCents: 5_000 })).toEqual({ ok: true });
  });
});

describe('approversFor', () => {
  const rules = defaultRuleSet(100_000);
  rules.approval.bands = [
    { fromCents: 100_000, approvers: ['alice', 'bob'] },
    { fromCents: 1_000_000, approvers: ['carol'] },
  ];
  it('the highest band reached names the approvers; below every band, the configured ones', () => {
    expect(approversFor(50_000, rules, ['ops'])).toEqual(['ops']);
    expect(approversFor(100_000, rules, ['ops'])).toEqual(['alice', 'bob']);
    expect(approversFor(2_000_000, rules, ['ops'])).toEqual(['carol']);
  });
  it('the rule set is validated: a band twice, a negative amount and an unknown field are named', () => {
    const bad = {
      ...rules,
      approval: { thresholdCents: -1, bands: [rules.approval.bands[0], rules.approval.bands[0]] },
      extra: 1,
    };
    const parsed = RuleSetSchema.safeParse(bad);
    expect(parsed.success).toBe(false);
    const message = formatZodError(parsed.error!);
    expect(message).toContain('approval.thresholdCents: must not be negative');
    expect(message).toContain('approval.bands: two bands start at the same amount');
    expect(message).toContain('extra: is not an allowed field');
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
