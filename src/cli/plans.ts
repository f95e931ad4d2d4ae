/**
 * `orders plans show|set|history`: the fulfilment plan of each product type, as data in
 * PostgreSQL (DATABASE_URL). A plan is validated before anything is saved (PlanSchema: the tree,
 * then the rules a tree must keep); each save is a new version, used by orders priced after it.
 */
import { listPlans, planHistory, savePlan, type StoredPlan } from '../../activities/orders/store/plans';
import { PRODUCT_TYPES, PlanSchema, isProductType, type ProductType } from '../domain';
import { withPool } from './database';
import { invalid } from './errors';
import { readValidatedJson } from './json-file';
import { EXIT, clean, printJson, table } from './output';

function typeOf(flag: string, value: string | undefined): ProductType | undefined {
  if (value === undefined) return undefined;
  if (!isProductType(value)) throw invalid(`${flag}: must be one of ${PRODUCT_TYPES.join(', ')}`);
  return value;
}

function print(plans: StoredPlan[], json: boolean | undefined, empty: string): number {
  if (json) printJson({ plans });
  else if (plans.length === 0) console.log(empty);
  else
    console.log(
      table(
        ['TYPE', 'VERSION', 'SAVED', 'NOTE', 'PLAN'],
        plans.map((p) => [p.productType, String(p.version), p.createdAt, p.note, JSON.stringify(p.plan)]),
      ),
    );
  return EXIT.OK;
}

export async function plansShow(opts: { type?: string; json?: boolean }): Promise<number> {
  const type = typeOf('--type', opts.type);
  return withPool(async (pool) => {
    const plans = (await listPlans(pool)).filter((p) => type === undefined || p.productType === type);
    return print(plans, opts.json, 'no plans');
  });
}

export async function plansHistory(opts: { type?: string; json?: boolean }): Promise<number> {
  const type = typeOf('--type', opts.type);
  return withPool(async (pool) => print(await planHistory(pool, type), opts.json, 'no plans'));
}

export async function plansSet(opts: { type?: string; file?: string; note?: string; json?: boolean }): Promise<number> {
  const type = typeOf('--type', opts.type);
  if (!type) throw invalid('--type: is required');
  if (!opts.file) throw invalid('--file: is required');
  const note = (opts.note ?? '').trim();
  if (note.length > 200) throw invalid('--note: must be at most 200 characters');
  const plan = readValidatedJson(opts.file, PlanSchema, 'plan');
  return withPool(async (pool) => {
    const saved = await savePlan(pool, type, plan, note);
    if (opts.json) printJson({ plan: saved });
    else
      console.log(
        `Saved ${saved.productType} plan version ${saved.version}${note ? ` (${clean(note)})` : ''}: orders priced from now on use it; running orders keep theirs.`,
      );
    return EXIT.OK;
  });
}
