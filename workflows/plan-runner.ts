import {
  holds,
  isOrderStep,
  type LineStep,
  type OrderStep,
  type PlanFacts,
  type PlanNode,
} from '../src/domain/deterministic';
import { joinAll } from './join';

/** What a plan's nodes do, for one product type's lines. */
export interface PlanSteps {
  facts(): PlanFacts;
  orderStep(step: OrderStep): Promise<void>;
  lineStep(step: LineStep): Promise<void>;
  waitForRelease(): Promise<void>;
}

/**
 * Runs a fulfilment plan (src/domain/plans.ts): the dynamic part of the order workflow. The plan
 * came from the order's pricing, recorded in its history, so a replay walks the same tree.
 */
export async function runPlan(node: PlanNode, steps: PlanSteps): Promise<void> {
  if ('step' in node) {
    if (isOrderStep(node.step)) await steps.orderStep(node.step);
    else await steps.lineStep(node.step);
  } else if ('sequence' in node) {
    for (const child of node.sequence) await runPlan(child, steps);
  } else if ('parallel' in node) {
    await joinAll(node.parallel.map((child) => runPlan(child, steps)));
  } else if ('if' in node) {
    const branch = holds(node.if, steps.facts()) ? node.then : node.else;
    if (branch) await runPlan(branch, steps);
  } else {
    await steps.waitForRelease();
  }
}
