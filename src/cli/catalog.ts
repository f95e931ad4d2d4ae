/**
 * `orders catalog upsert|list`: the operator's view of the catalog and stock, straight from
 * PostgreSQL (DATABASE_URL). Prices are typed in major units and parsed exactly (no floats).
 */
import type { Pool } from 'pg';
import { listCatalog, upsertCatalogItem, type CatalogRow } from '../../activities/catalog';
import { loadConfig } from '../config';
import { createPool } from '../db/pool';
import { CurrencySchema, ID_PATTERN, SkuSchema, formatMoney, money, parseMajorUnits } from '../domain';
import { invalid, operational } from './errors';
import { EXIT, printJson, table } from './output';

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const MAX_STOCK = 2_147_483_647; // stock.on_hand is a PostgreSQL integer

function where(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`; // never the password
  } catch {
    return 'DATABASE_URL';
  }
}

async function withPool<T>(fn: (pool: Pool) => Promise<T>): Promise<T> {
  const url = loadConfig().DATABASE_URL;
  if (!url) {
    throw operational(
      'DATABASE_URL is not set: catalog commands read and write PostgreSQL directly.\n' +
        'Set it to the database `npm start` prints (e.g. DATABASE_URL=postgres://postgres:postgres@localhost:5433/orders).',
    );
  }
  const pool = createPool(url, 1);
  try {
    try {
      await pool.query('SELECT 1');
    } catch (err) {
      throw operational(
        `Cannot reach PostgreSQL at ${where(url)} (${(err as Error).message}). Start the stack with \`npm start\`, or fix DATABASE_URL.`,
      );
    }
    return await fn(pool);
  } finally {
    await pool.end();
  }
}

function toJson(row: CatalogRow) {
  const onHand = row.warehouses.reduce((n, w) => n + w.onHand, 0);
  const reserved = row.warehouses.reduce((n, w) => n + w.reserved, 0);
  return {
    sku: row.sku,
    name: row.name,
    priceCents: row.priceCents,
    currency: row.currency,
    price: formatMoney(money(row.priceCents, row.currency)),
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
    else if (UNSAFE.test(name)) problems.push('--name: must not contain control characters');
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
  const stock = need('--stock', opts.stock);
  if (stock !== undefined && (!/^\d+$/.test(stock.trim()) || Number(stock) > MAX_STOCK)) {
    problems.push(`--stock: must be a whole number of units between 0 and ${MAX_STOCK}`);
  }
  if (opts.warehouse !== undefined && !ID_PATTERN.test(opts.warehouse))
    problems.push('--warehouse: must be a warehouse id (letters, digits, "_" or "-")');
  if (problems.length > 0) throw invalid(`invalid catalog item: ${problems.join('; ')}`);
  return {
    sku: sku!,
    name: name!,
    priceCents: priceCents!,
    currency: currency!,
    onHand: Number(stock),
    ...(opts.warehouse !== undefined ? { warehouseId: opts.warehouse } : {}),
  };
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
    if (opts.json) {
      printJson({ created: result.created, warehouseId: result.warehouseId, item });
      return EXIT.OK;
    }
    const here = item.warehouses.find((w) => w.warehouseId === result.warehouseId);
    console.log(
      `${result.created ? 'Created' : 'Updated'} ${item.sku} "${item.name}" at ${item.price}; ` +
        `${result.warehouseId}: ${here?.onHand ?? 0} on hand, ${here?.reserved ?? 0} reserved, ${here?.available ?? 0} available`,
    );
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
