import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PlanSchema, formatZodError, holds, planReaches } from '../../src/domain';

const EXAMPLES = path.join(__dirname, '../../examples/plans');
const problemsOf = (plan: unknown) => {
  const parsed = PlanSchema.safeParse(plan);
  return parsed.success ? '' : formatZodError(parsed.error);
};

test('every example plan is valid but the one named invalid', () => {
  for (const file of readdirSync(EXAMPLES)) {
    const problems = problemsOf(JSON.parse(readFileSync(path.join(EXAMPLES, file), 'utf8')));
    if (file.startsWith('invalid-')) expect({ file, valid: problems === '' }).toEqual({ file, valid: false });
    else expect({ file, problems }).toEqual({ file, problems: '' });
  }
});

test.each([
  [{ sequence: [{ step: 'authorize' }, { stp: 'capture' }] }, 'sequence.1: must have one of "step"'],
  [{ sequence: [{ step: 'authorize' }, { step: 'capture', extra: 1 }] }, 'sequence.1.extra: is not an allowed field'],
  [{ sequence: [{ step: 'capture' }] }, 'sequence.0: "capture" needs an "authorize" before it'],
  [
    { sequence: [{ step: 'authorize' }, { step: 'capture' }, { step: 'reserve' }] },
    'sequence.2: order step "reserve" must come before "capture"',
  ],
  [
    { sequence: [{ step: 'authorize' }, { parallel: [{ step: 'capture' }, { step: 'notify' }] }] },
    'sequence.1.parallel.0: order step "capture" cannot run inside "parallel"',
  ],
  [
    { if: { fact: 'needs-approval' }, then: { sequence: [{ step: 'authorize' }, { step: 'capture' }] } },
    'every path must reach "capture"',
  ],
  [{ sequence: [{ step: 'authorize' }, { step: 'capture' }, { step: 'ship' }] }, '"ship" needs a "reserve" before it'],
])('%j is refused: %s', (plan, message) => {
  expect(problemsOf(plan)).toContain(message);
});

test('conditions read the order facts; planReaches sees every branch', () => {
  const facts = { needsApproval: false, totalCents: 60_000 };
  expect(holds({ fact: 'total-at-least', cents: 50_000 }, facts)).toBe(true);
  expect(holds({ not: { fact: 'needs-approval' } }, facts)).toBe(true);
  const plan = { if: { fact: 'needs-approval' as const }, then: { step: 'approve' as const } };
  expect(planReaches(plan, 'approve')).toBe(true);
  expect(planReaches(plan, 'ship')).toBe(false);
});
