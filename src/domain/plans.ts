/**
 * Fulfilment plans: how an order line of each product type is fulfilled, as data (issue 12).
 * Operators change a plan with `orders plans set`; an order snapshots the plans of its product
 * types when it is priced, so a change applies to new orders only. Pure and zod-free: workflows
 * interpret plans (workflows/plan-runner.ts); plan-schemas.ts validates them at the boundary.
 *
 * The language:
 *   { "step": NAME }                      one step (below)
 *   { "sequence": [NODE, ...] }           one after the other
 *   { "parallel": [NODE, ...] }           side by side, joined (line steps only)
 *   { "if": COND, "then": NODE, "else": NODE }   conditional routing on the order's facts
 *   { "waitUntil": "release" }            a timer until the lines' release date (pre-orders)
 * COND: { "fact": "needs-approval" } | { "fact": "total-at-least", "cents": N } | { "not": COND }
 */

export const PRODUCT_TYPES = ['physical', 'digital', 'preorder', 'giftcard'] as const;
export type ProductType = (typeof PRODUCT_TYPES)[number];

/** Product types that travel as parcels, so they pay shipping. */
export function isShippable(productType: ProductType = 'physical'): boolean {
  return productType === 'physical' || productType === 'preorder';
}

export function isProductType(value: unknown): value is ProductType {
  return typeof value === 'string' && (PRODUCT_TYPES as readonly string[]).includes(value);
}

/**
 * Order steps act on the order as a whole, once: one reservation, one approval, one
 * authorization, one capture, one set of parcels. In a mixed cart each runs when every product
 * type's plan has reached it (or passed it by), for the lines of the types that reached it. So a
 * plan must name them in this order, at most once on any path, and never inside `parallel`.
 */
export const ORDER_STEPS = ['reserve', 'approve', 'authorize', 'capture', 'ship'] as const;
export type OrderStep = (typeof ORDER_STEPS)[number];

/** Line steps act on one product type's own lines, by themselves. */
export const LINE_STEPS = ['issue-licence', 'issue-gift-code', 'notify'] as const;
export type LineStep = (typeof LINE_STEPS)[number];
export type PlanStepName = OrderStep | LineStep;

export type PlanCondition =
  { fact: 'needs-approval' } | { fact: 'total-at-least'; cents: number } | { not: PlanCondition };

export type PlanNode =
  | { step: PlanStepName }
  | { sequence: PlanNode[] }
  | { parallel: PlanNode[] }
  | { if: PlanCondition; then: PlanNode; else?: PlanNode }
  | { waitUntil: 'release' };

/** A plan as an order runs it: the version it was when the order was priced. */
export interface PlanSnapshot {
  productType: ProductType;
  version: number;
  plan: PlanNode;
}

/** What conditions may ask of an order. */
export interface PlanFacts {
  needsApproval: boolean;
  totalCents: number;
}

export function isOrderStep(step: PlanStepName): step is OrderStep {
  return (ORDER_STEPS as readonly string[]).includes(step);
}

export function holds(condition: PlanCondition, facts: PlanFacts): boolean {
  if ('not' in condition) return !holds(condition.not, facts);
  if (condition.fact === 'needs-approval') return facts.needsApproval;
  return facts.totalCents >= condition.cents;
}

/** A problem with a plan, at a path like `sequence[2].then.step`. */
export interface PlanProblem {
  path: string;
  message: string;
}

/**
 * What zod cannot see in a well-formed plan: order steps out of order, twice on a path or inside
 * `parallel`; a capture with no authorize before it; a shipment with no reservation; goods
 * handed over (licence, gift code, parcel) before the capture; a path that never captures.
 */
export function planProblems(plan: PlanNode): PlanProblem[] {
  const problems: PlanProblem[] = [];
  // Every path through the plan, as the steps met on it with their paths.
  type Met = Array<{ step: PlanStepName; path: string }>;
  const walk = (node: PlanNode, path: string, inParallel: boolean, before: Met[]): Met[] => {
    if ('step' in node) {
      if (inParallel && isOrderStep(node.step))
        problems.push({ path, message: `order step "${node.step}" cannot run inside "parallel"` });
      return before.map((met) => [...met, { step: node.step, path }]);
    }
    if ('sequence' in node)
      return node.sequence.reduce(
        (paths, child, i) => walk(child, `${path}.sequence[${i}]`, inParallel, paths),
        before,
      );
    if ('parallel' in node)
      // Line steps only inside: their order does not matter, so one path with all of them will do.
      return node.parallel.reduce((paths, child, i) => walk(child, `${path}.parallel[${i}]`, true, paths), before);
    if ('if' in node)
      return [
        ...walk(node.then, `${path}.then`, inParallel, before),
        ...(node.else ? walk(node.else, `${path}.else`, inParallel, before) : before),
      ];
    return before; // waitUntil
  };
  const paths = walk(plan, '', false, [[]]);
  const seen = new Set<string>();
  for (const met of paths) {
    let last = -1;
    const passed = new Set<PlanStepName>();
    for (const { step, path } of met) {
      const say = (message: string) => {
        const key = `${path}|${message}`;
        if (!seen.has(key)) problems.push({ path: path.replace(/^\./, ''), message });
        seen.add(key);
      };
      if (isOrderStep(step)) {
        const at = ORDER_STEPS.indexOf(step);
        if (passed.has(step)) say(`order step "${step}" appears twice on one path`);
        else if (at < last)
          say(`order step "${step}" must come before "${ORDER_STEPS[last]}" (${ORDER_STEPS.join(' → ')})`);
        last = Math.max(last, at);
      }
      if (step === 'capture' && !passed.has('authorize')) say('"capture" needs an "authorize" before it');
      if (step === 'ship' && !passed.has('reserve')) say('"ship" needs a "reserve" before it');
      if ((step === 'ship' || step === 'issue-licence' || step === 'issue-gift-code') && !passed.has('capture'))
        say(`"${step}" hands goods over: it needs a "capture" before it`);
      passed.add(step);
    }
    if (!passed.has('capture')) {
      const message = 'every path must reach "capture": an order is paid for, whatever its plan';
      if (!seen.has(`|${message}`)) problems.push({ path: '', message });
      seen.add(`|${message}`);
    }
  }
  return problems;
}

/** Does any path of the plan reach this step? */
export function planReaches(plan: PlanNode, step: PlanStepName): boolean {
  if ('step' in plan) return plan.step === step;
  if ('sequence' in plan) return plan.sequence.some((n) => planReaches(n, step));
  if ('parallel' in plan) return plan.parallel.some((n) => planReaches(n, step));
  if ('if' in plan) return planReaches(plan.then, step) || (plan.else ? planReaches(plan.else, step) : false);
  return false;
}
