import { z } from 'zod';
import { LINE_STEPS, ORDER_STEPS, PRODUCT_TYPES, planProblems, type PlanCondition, type PlanNode } from './plans';

// Apart from plans.ts so that workflows, which interpret plans, never load zod (see deterministic.ts).

export const ProductTypeSchema = z.enum(PRODUCT_TYPES, {
  error: `must be one of ${PRODUCT_TYPES.join(', ')}`,
});

const STEP_NAMES = [...ORDER_STEPS, ...LINE_STEPS];
const StepNameSchema = z.enum(STEP_NAMES, { error: `must be one of ${STEP_NAMES.join(', ')}` });

export const PlanConditionSchema: z.ZodType<PlanCondition> = z.lazy(() =>
  z.union(
    [
      z.strictObject({ fact: z.literal('needs-approval') }),
      z.strictObject({ fact: z.literal('total-at-least'), cents: z.number().int().min(0) }),
      z.strictObject({ not: PlanConditionSchema }),
    ],
    {
      error: 'must be {"fact": "needs-approval"}, {"fact": "total-at-least", "cents": N} or {"not": CONDITION}',
    },
  ),
);

const MAX_CHILDREN = 50;
const children = (min: number) =>
  z
    .array(z.unknown(), { error: 'must be a list of plan nodes' })
    .min(min, `must list at least ${min} node${min === 1 ? '' : 's'}`)
    .max(MAX_CHILDREN, `must list at most ${MAX_CHILDREN} nodes`);

/** One node's own shape, by the key that names its kind; its child nodes are checked one by one. */
const NODE_SHAPES = {
  step: z.strictObject({ step: StepNameSchema }),
  sequence: z.strictObject({ sequence: children(1) }),
  parallel: z.strictObject({ parallel: children(2) }),
  if: z.strictObject({
    if: PlanConditionSchema,
    then: z.custom((v) => v !== undefined, { error: 'is required: the node to run when the condition holds' }),
    else: z.unknown().optional(),
  }),
  waitUntil: z.strictObject({ waitUntil: z.literal('release', { error: 'must be "release"' }) }),
} as const;
const KINDS = Object.keys(NODE_SHAPES) as Array<keyof typeof NODE_SHAPES>;

/**
 * Checks a plan node by node so that every problem names its place (`sequence[2].then.step`); a
 * union of recursive schemas would only say that the whole plan matches none of them.
 */
function checkNode(value: unknown, path: Array<string | number>, ctx: z.RefinementCtx): void {
  const say = (message: string, at: Array<string | number> = path) =>
    ctx.addIssue({ code: 'custom', message, path: at });
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return say(`must be a plan node: an object with one of ${KINDS.map((k) => `"${k}"`).join(', ')}`);
  const kinds = KINDS.filter((k) => k in value);
  if (kinds.length !== 1)
    return say(
      kinds.length === 0
        ? `must have one of ${KINDS.map((k) => `"${k}"`).join(', ')}`
        : `must have only one of ${kinds.map((k) => `"${k}"`).join(', ')}`,
    );
  const kind = kinds[0]!;
  const shape = NODE_SHAPES[kind].safeParse(value);
  if (!shape.success) {
    for (const issue of shape.error.issues)
      if (issue.code === 'unrecognized_keys')
        for (const key of issue.keys) say('is not an allowed field', [...path, key]);
      else say(issue.message, [...path, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))]);
    return;
  }
  const node = value as Record<string, unknown>;
  if (kind === 'sequence' || kind === 'parallel')
    (node[kind] as unknown[]).forEach((child, i) => checkNode(child, [...path, kind, i], ctx));
  if (kind === 'if') {
    checkNode(node.then, [...path, 'then'], ctx);
    if (node.else !== undefined) checkNode(node.else, [...path, 'else'], ctx);
  }
}

/** A plan file: the node tree, then the rules a tree must also keep (planProblems). */
export const PlanSchema = z
  .unknown()
  .superRefine((value, ctx) => checkNode(value, [], ctx))
  .transform((value) => value as PlanNode)
  .superRefine((plan, ctx) => {
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
