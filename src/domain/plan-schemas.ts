import { z } from 'zod';
import { LINE_STEPS, ORDER_STEPS, PRODUCT_TYPES, planProblems, type PlanCondition, type PlanNode } from './plans';

// Apart from plans.ts so that workflows, which interpret plans, never load zod (see deterministic.ts).

export const ProductTypeSchema = z.enum(PRODUCT_TYPES, {
  error: `must be one of ${PRODUCT_TYPES.join(', ')}`,
});

const StepNameSchema = z.enum([...ORDER_STEPS, ...LINE_STEPS], {
  error: `must be one of ${[...ORDER_STEPS, ...LINE_STEPS].join(', ')}`,
});

export const PlanConditionSchema: z.ZodType<PlanCondition> = z.lazy(() =>
  z.union([
    z.strictObject({ fact: z.literal('needs-approval') }),
    z.strictObject({ fact: z.literal('total-at-least'), cents: z.number().int().min(0) }),
    z.strictObject({ not: PlanConditionSchema }),
  ]),
);

const MAX_CHILDREN = 50;

export const PlanNodeSchema: z.ZodType<PlanNode> = z.lazy(() =>
  z.union([
    z.strictObject({ step: StepNameSchema }),
    z.strictObject({ sequence: z.array(PlanNodeSchema).min(1).max(MAX_CHILDREN) }),
    z.strictObject({ parallel: z.array(PlanNodeSchema).min(2).max(MAX_CHILDREN) }),
    z.strictObject({ if: PlanConditionSchema, then: PlanNodeSchema, else: PlanNodeSchema.optional() }),
    z.strictObject({ waitUntil: z.literal('release') }),
  ]),
);

/** A plan file: the node tree, then the rules a tree must also keep (planProblems). */
export const PlanSchema = PlanNodeSchema.superRefine((plan, ctx) => {
  for (const p of planProblems(plan))
    ctx.addIssue({ code: 'custom', message: p.message, path: p.path === '' ? [] : pathOf(p.path) });
});

/** 'sequence[2].then.step' → ['sequence', 2, 'then', 'step'], as zod reports paths. */
function pathOf(path: string): Array<string | number> {
  return path
    .split(/\.|\[|\]/)
    .filter((s) => s !== '')
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}
