/** `orders catalog upsert|list` against the real database, then an order for the new item. */
import {
  CatalogListJsonSchema,
  CatalogUpsertJsonSchema,
  ErrorJsonSchema,
  PlaceJsonSchema,
} from '../../src/cli/schemas';
import { cliEnv, parseJson } from '../support/cli';
import { runCli } from '../support/processes';
import { uid } from '../support/orders';
import { startTestWorkers, type TestWorkers } from '../support/workers';
import { startTestApi, type TestApi } from '../support/api';

jest.setTimeout(120_000);

let stack: TestWorkers;
let api: TestApi;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  stack = await startTestWorkers();
  api = await startTestApi(stack);
  // Customer service places through the Orders API; the catalog is written straight to PostgreSQL.
  env = cliEnv(stack.prefix, await api.cliAs('desk-catalog', 'customer-service'));
});
afterAll(async () => {
  await api.stop();
  await stack.stop();
});

const cli = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) => runCli(args, { ...env, ...extraEnv });

const upsert = (sku: string, extra: string[] = [], price = '19.99') =>
  cli([
    'catalog',
    'upsert',
    '--sku',
    sku,
    '--name',
    'Test gadget',
    '--price',
    price,
    '--currency',
    'USD',
    '--stock',
    '10',
    ...extra,
  ]);

async function catalogRow(sku: string) {
  const { rows } = await stack.pool.query('SELECT name, price_cents, currency FROM catalog_items WHERE sku = $1', [
    sku,
  ]);
  return rows[0];
}

test('upsert creates an item with an exact price and stock at a warehouse; list shows it per warehouse', async () => {
  const sku = uid('CAT');
  const created = await upsert(sku, ['--warehouse', 'west', '--json']);
  expect(created.code).toBe(0);
  expect(parseJson(CatalogUpsertJsonSchema, created.stdout)).toEqual({
    created: true,
    warehouseId: 'west',
    item: {
      sku,
      name: 'Test gadget',
      priceCents: 1_999,
      currency: 'USD',
      price: '19.99 USD',
      productType: 'physical', // the default type
      onHand: 10,
      reserved: 0,
      available: 10,
      warehouses: [{ warehouseId: 'west', onHand: 10, reserved: 0, available: 10 }],
    },
  });
  expect(await catalogRow(sku)).toEqual({ name: 'Test gadget', price_cents: '1999', currency: 'USD' });

  // Again: an update (price, name), and stock at a second warehouse (the default: the first by id).
  const updated = await cli([
    'catalog',
    'upsert',
    '--sku',
    sku,
    '--name',
    'Gadget v2',
    '--price',
    '0.1',
    '--currency',
    'USD',
    '--stock',
    '3',
    '--json',
  ]);
  expect(updated.code).toBe(0);
  const doc = parseJson(CatalogUpsertJsonSchema, updated.stdout);
  expect(doc).toMatchObject({
    created: false,
    warehouseId: 'east',
    item: { name: 'Gadget v2', priceCents: 10, onHand: 13, available: 13 },
  });

  const listed = await cli(['catalog', 'list', '--sku', sku, '--json']);
  expect(listed.code).toBe(0);
  expect(parseJson(CatalogListJsonSchema, listed.stdout).items).toEqual([doc.item]);

  const table = await cli(['catalog', 'list', '--sku', sku]);
  expect(table.code).toBe(0);
  const lines = table.stdout.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^SKU\s+NAME\s+PRICE\s+WAREHOUSE\s+AVAILABLE\s+RESERVED\s+ON HAND$/);
  expect(lines.slice(1)).toEqual([
    expect.stringMatching(new RegExp(`^${sku}\\s+Gadget v2\\s+0\\.10 USD\\s+east\\s+3\\s+0\\s+3$`)),
    expect.stringMatching(new RegExp(`^${sku}\\s+Gadget v2\\s+0\\.10 USD\\s+west\\s+10\\s+0\\s+10$`)),
  ]);

  const all = parseJson(CatalogListJsonSchema, (await cli(['catalog', 'list', '--json'])).stdout);
  expect(all.items.map((i) => i.sku)).toEqual(expect.arrayContaining(['KB-001', sku]));
});

test('an order for an upserted item is priced from the catalog and reserves its stock', async () => {
  const sku = uid('CAT');
  expect((await upsert(sku, ['--warehouse', 'east'], '12.50')).code).toBe(0);
  const shipTo = JSON.stringify({ name: 'Ada', line1: '1 St', city: 'London', postalCode: 'N1 9GU', country: 'GB' });
  const placed = await cli([
    'place',
    '--customer',
    'cust-cat',
    '--item',
    `${sku}:2`,
    '--ship-to',
    shipTo,
    '--token',
    'tok_ok',
    '--wait',
    '--json',
  ]);
  expect(placed.code).toBe(0);
  expect(parseJson(PlaceJsonSchema, placed.stdout).final).toMatchObject({
    status: 'Delivered',
    items: [{ sku, unitPriceCents: 1_250, lineTotalCents: 2_500 }],
  });
  const listed = parseJson(CatalogListJsonSchema, (await cli(['catalog', 'list', '--sku', sku, '--json'])).stdout);
  expect(listed.items[0]).toMatchObject({ onHand: 8, reserved: 0, available: 8 });
});

test.each([
  [
    'a float-looking price with 3 decimals',
    ['--price', '19.999'],
    '--price: expected a non-negative number with at most 2 decimals, e.g. 19.99',
  ],
  [
    'a negative price',
    ['--price', '-1'],
    '--price: expected a non-negative number with at most 2 decimals, e.g. 19.99',
  ],
  ['an exponent', ['--price', '1e3'], '--price: expected a non-negative number with at most 2 decimals, e.g. 19.99'],
  ['a huge price', ['--price', '99999999999999999999'], '--price: too large'],
  [
    'a lowercase currency',
    ['--currency', 'usd'],
    '--currency: must be an ISO 4217 currency code (3 uppercase letters, e.g. "USD")',
  ],
  ['negative stock', ['--stock', '-5'], '--stock: must be a whole number of units between 0 and 2147483647'],
  ['fractional stock', ['--stock', '2.5'], '--stock: must be a whole number of units between 0 and 2147483647'],
  ['an empty name', ['--name', '  '], '--name: must not be empty'],
  ['SQL in the SKU', ['--sku', "X'; DROP TABLE stock;--"], '--sku: must be 1-64 letters, digits, "_" or "-"'],
  // Other test files add warehouses of their own to the shared database: only the seeded two are certain.
  ['an unknown warehouse', ['--warehouse', 'north'], '--warehouse: no warehouse "north" (known: east, '],
])('upsert refuses %s: exit 2, nothing written', async (_name, patch, message) => {
  const sku = uid('BAD');
  const args: Record<string, string> = {
    '--sku': sku,
    '--name': 'Bad',
    '--price': '1.00',
    '--currency': 'USD',
    '--stock': '1',
  };
  for (let i = 0; i < patch.length; i += 2) args[patch[i]!] = patch[i + 1]!;
  const result = await cli(['catalog', 'upsert', ...Object.entries(args).flat()]);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain(message);
  expect(await catalogRow(args['--sku']!)).toBeUndefined();
  expect(await catalogRow(sku)).toBeUndefined();
});

test('upsert refuses on-hand stock below what orders hold reserved (exit 2) and changes nothing', async () => {
  const sku = uid('RES');
  expect((await upsert(sku, ['--warehouse', 'east'])).code).toBe(0);
  await stack.pool.query(`UPDATE stock SET reserved = 6 WHERE sku = $1 AND warehouse_id = 'east'`, [sku]);
  const result = await cli([
    'catalog',
    'upsert',
    '--sku',
    sku,
    '--name',
    'Renamed',
    '--price',
    '5',
    '--currency',
    'USD',
    '--stock',
    '5',
    '--warehouse',
    'east',
    '--json',
  ]);
  expect(result.code).toBe(2);
  expect(parseJson(ErrorJsonSchema, result.stdout).error.message).toBe(
    `--stock: 6 units of ${sku} are reserved at east; on hand cannot go below that`,
  );
  expect(await catalogRow(sku)).toEqual({ name: 'Test gadget', price_cents: '1999', currency: 'USD' });
});

test('missing flags are named (exit 2); no DATABASE_URL or an unreachable one is operational (exit 1)', async () => {
  const missing = await cli(['catalog', 'upsert', '--sku', 'X1']);
  expect(missing.code).toBe(2);
  expect(missing.stderr).toMatch(/required option '--name <name>' not specified/);

  const noUrl = { ...env };
  delete noUrl.DATABASE_URL;
  const unset = await runCli(['catalog', 'list'], noUrl);
  expect(unset.code).toBe(1);
  expect(unset.stderr).toContain('DATABASE_URL is not set');

  const down = await cli(['catalog', 'list'], { DATABASE_URL: 'postgres://u:secret@127.0.0.1:1/orders' });
  expect(down.code).toBe(1);
  expect(down.stderr).toContain('Cannot reach PostgreSQL at 127.0.0.1:1/orders');
  expect(down.stderr).not.toContain('secret');
});
