/**
 * `orders catalog upsert|list`: the operator's view of the catalog and stock, straight from
 * PostgreSQL (DATABASE_URL). Prices are typed in major units and parsed exactly (no floats).
 */
import { listCatalog, upsertCatalogItem, type CatalogRow } from '../../activities/catalog/store/items';
import {
  CurrencySchema,
  SkuSchema,
  checkCatalogItem,
  formatMoney,
  money,
  parseMajorUnits,
  type CatalogField,
  type CatalogItem,
} from '../domain';
import { waitlistsVia } from '../runtime/waitlists';
import { withContext } from './context';
import { withPool } from './database';
import { invalid } from './errors';
import { EXIT, printJson, table } from './output';

function toJson(row: CatalogRow) {
  const onHand = row.warehouses.reduce((n, w) => n + w.onHand, 0);
  const reserved = row.warehouses.reduce((n, w) => n + w.reserved, 0);
  return {
    sku: row.sku,
    name: row.name,
    priceCents: row.priceCents,
    currency: row.currency,
    price: formatMoney(money(row.priceCents, row.currency)),
    productType: row.productType,
    ...(row.releaseAt ? { releaseAt: row.releaseAt } : {}),
    onHand,
    reserved,
    available: onHand - reserved,
    warehouses: row.warehouses.map((w) => ({ ...w })),
  };
}

export interface UpsertOptions {
  sku?: string;
  name?: string;
  price?: string;
  currency?: string;
  stock?: string;
  warehouse?: string;
  type?: string;
  releaseAt?: string;
  json?: boolean;
}

/** The flag each field of an item comes from. */
const FLAGS: Record<CatalogField, string> = {
  sku: '--sku',
  name: '--name',
  priceCents: '--price',
  currency: '--currency',
  productType: '--type',
  releaseAt: '--release-at',
  onHand: '--stock',
  warehouseId: '--warehouse',
};

/** Every problem with the flags at once, each naming its flag (the item's rules: src/domain/catalog-item.ts). */
export function parseUpsert(opts: UpsertOptions): CatalogItem {
  const problems: string[] = [];
  // What only a flag can get wrong: the price in major units, the stock as text.
  let priceCents: number | undefined;
  if (opts.price !== undefined) {
    try {
      const currency =
        opts.currency !== undefined && CurrencySchema.safeParse(opts.currency).success ? opts.currency : 'USD';
      priceCents = parseMajorUnits(opts.price, currency).amountCents;
    } catch (err) {
      problems.push(`--price: ${(err as Error).message.replace(/^invalid amount .*: /, '')}`);
    }
  }
  const stock = opts.stock === undefined ? undefined : /^\d+$/.test(opts.stock.trim()) ? Number(opts.stock) : NaN;
  const checked = checkCatalogItem({
    sku: opts.sku,
    name: opts.name,
    priceCents: priceCents ?? (opts.price === undefined ? undefined : 0),
    currency: opts.currency,
    productType: opts.type,
    releaseAt: opts.releaseAt,
    onHand: stock,
    warehouseId: opts.warehouse,
  });
  if (!checked.ok) problems.push(...checked.problems.map(([field, why]) => `${FLAGS[field]}: ${why}`));
  if (problems.length > 0 || !checked.ok) throw invalid(`invalid catalog item: ${problems.join('; ')}`);
  return checked.item;
}

/** A restock reaches the SKU's back-order waitlist, if one runs (nobody waiting: nothing to tell). */
async function tellWaitlist(sku: string): Promise<'told' | 'none' | 'unreachable'> {
  try {
    return await withContext(async ({ client, config }) =>
      (await waitlistsVia(client, config.TASK_QUEUE_PREFIX).restocked(sku)) ? 'told' : 'none',
    );
  } catch {
    return 'unreachable';
  }
}

export async function catalogUpsert(opts: UpsertOptions): Promise<number> {
  const input = parseUpsert(opts);
  return withPool(async (pool) => {
    const result = await upsertCatalogItem(pool, input);
    if (!result.ok) {
      if (result.reason === 'unknown-warehouse') {
        throw invalid(
          result.warehouseId
            ? `--warehouse: no warehouse "${result.warehouseId}" (known: ${result.known.join(', ') || 'none'})`
            : '--warehouse: there are no warehouses yet',
        );
      }
      throw invalid(
        `--stock: ${result.reserved} units of ${input.sku} are reserved at ${result.warehouseId}; on hand cannot go below that`,
      );
    }
    const item = toJson(result.item);
    const waitlist = result.warehouseId ? await tellWaitlist(input.sku) : 'none';
    if (waitlist === 'unreachable')
      console.error(
        `warning: stock saved, but the back-order waitlist of ${input.sku} could not be told (Temporal unreachable); ` +
          'waiting orders see the stock at its next recheck (within a minute)',
      );
    if (opts.json) {
      printJson({ created: result.created, warehouseId: result.warehouseId, item });
      return EXIT.OK;
    }
    const here = item.warehouses.find((w) => w.warehouseId === result.warehouseId);
    const kind =
      item.productType === 'physical'
        ? ''
        : ` (${item.productType}${item.releaseAt ? `, released ${item.releaseAt}` : ''})`;
    console.log(
      `${result.created ? 'Created' : 'Updated'} ${item.sku} "${item.name}"${kind} at ${item.price}` +
        (result.warehouseId
          ? `; ${result.warehouseId}: ${here?.onHand ?? 0} on hand, ${here?.reserved ?? 0} reserved, ${here?.available ?? 0} available`
          : '; no stock kept'),
    );
    if (waitlist === 'told')
      console.log(`Back-orders: told the waitlist of ${item.sku}; orders that now fit are released.`);
    return EXIT.OK;
  });
}

export async function catalogList(opts: { sku?: string[]; json?: boolean }): Promise<number> {
  for (const sku of opts.sku ?? [])
    if (!SkuSchema.safeParse(sku).success) throw invalid('--sku: must be 1-64 letters, digits, "_" or "-"');
  return withPool(async (pool) => {
    const items = (await listCatalog(pool, opts.sku)).map(toJson);
    if (opts.json) {
      printJson({ items });
      return EXIT.OK;
    }
    if (items.length === 0) {
      console.log('the catalog is empty');
      return EXIT.OK;
    }
    const rows = items.flatMap((i) =>
      i.warehouses.length === 0
        ? [[i.sku, i.name, i.price, '-', '0', '0', '0']]
        : i.warehouses.map((w) => [
            i.sku,
            i.name,
            i.price,
            w.warehouseId,
            String(w.available),
            String(w.reserved),
            String(w.onHand),
          ]),
    );
    console.log(table(['SKU', 'NAME', 'PRICE', 'WAREHOUSE', 'AVAILABLE', 'RESERVED', 'ON HAND'], rows));
    return EXIT.OK;
  });
}
