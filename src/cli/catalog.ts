/**
 * `orders catalog upsert|list`: the operator's view of the catalog and stock, straight from
 * PostgreSQL (DATABASE_URL). Prices are typed in major units and parsed exactly (no floats).
 */
import { listCatalog, upsertCatalogItem, type CatalogRow } from '../../activities/catalog/store/items';
import {
  CurrencySchema,
  ID_PATTERN,
  PRODUCT_TYPES,
  SkuSchema,
  formatMoney,
  hasUnsafeChars,
  isProductType,
  isShippable,
  money,
  parseMajorUnits,
  type ProductType,
} from '../domain';
import { waitlistsVia } from '../runtime/waitlists';
import { withContext } from './context';
import { withPool } from './database';
import { invalid } from './errors';
import { EXIT, printJson, table } from './output';

const MAX_STOCK = 2_147_483_647; // stock.on_hand is a PostgreSQL integer

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

/** Every problem with the flags at once, each naming its flag. */
export function parseUpsert(opts: UpsertOptions) {
  const problems: string[] = [];
  const need = (flag: string, value: string | undefined) => {
    if (value === undefined) problems.push(`${flag}: is required`);
    return value;
  };
  const sku = need('--sku', opts.sku);
  if (sku !== undefined && !SkuSchema.safeParse(sku).success)
    problems.push('--sku: must be 1-64 letters, digits, "_" or "-"');
  const name = need('--name', opts.name)?.trim();
  if (name !== undefined) {
    if (name === '') problems.push('--name: must not be empty');
    else if (name.length > 200) problems.push('--name: must be at most 200 characters');
    else if (hasUnsafeChars(name)) problems.push('--name: must not contain control characters');
  }
  const currency = need('--currency', opts.currency);
  const currencyOk = currency !== undefined && CurrencySchema.safeParse(currency).success;
  if (currency !== undefined && !currencyOk)
    problems.push('--currency: must be an ISO 4217 currency code (3 uppercase letters, e.g. "USD")');
  const price = need('--price', opts.price);
  let priceCents: number | undefined;
  if (price !== undefined) {
    try {
      priceCents = parseMajorUnits(price, currencyOk ? currency! : 'USD').amountCents;
    } catch (err) {
      problems.push(`--price: ${(err as Error).message.replace(/^invalid amount .*: /, '')}`);
    }
  }
  const type = opts.type ?? 'physical';
  const typeOk = isProductType(type);
  if (!typeOk) problems.push(`--type: must be one of ${PRODUCT_TYPES.join(', ')}`);
  // Licences and gift cards have no stock; what travels has stock at a warehouse.
  const stocked = !typeOk || isShippable(type);
  const stock = stocked ? need('--stock', opts.stock) : opts.stock;
  if (!stocked && opts.stock !== undefined) problems.push(`--stock: ${type} items have no stock`);
  else if (stock !== undefined && (!/^\d+$/.test(stock.trim()) || Number(stock) > MAX_STOCK)) {
    problems.push(`--stock: must be a whole number of units between 0 and ${MAX_STOCK}`);
  }
  if (!stocked && opts.warehouse !== undefined) problems.push(`--warehouse: ${type} items have no stock`);
  else if (opts.warehouse !== undefined && !ID_PATTERN.test(opts.warehouse))
    problems.push('--warehouse: must be a warehouse id (letters, digits, "_" or "-")');
  let releaseAt: string | undefined;
  if (type === 'preorder') {
    const at = need('--release-at', opts.releaseAt);
    if (at !== undefined) {
      const parsed = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/.test(at.trim()) ? Date.parse(at) : NaN;
      if (Number.isNaN(parsed))
        problems.push('--release-at: must be an ISO 8601 date or date-time, e.g. 2027-03-01T09:00:00Z');
      else releaseAt = new Date(parsed).toISOString();
    }
  } else if (opts.releaseAt !== undefined)
    problems.push('--release-at: only pre-orders (--type preorder) have a release date');
  if (problems.length > 0) throw invalid(`invalid catalog item: ${problems.join('; ')}`);
  return {
    sku: sku!,
    name: name!,
    priceCents: priceCents!,
    currency: currency!,
    productType: type as ProductType,
    ...(releaseAt ? { releaseAt } : {}),
    ...(stocked ? { onHand: Number(stock) } : {}),
    ...(opts.warehouse !== undefined ? { warehouseId: opts.warehouse } : {}),
  };
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
