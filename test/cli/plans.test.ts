/**
 * `orders plans show|set|history` and `orders catalog upsert --type` against the real database:
 * a valid plan becomes the next version; an invalid one is refused with exit 2, the place of the
 * problem, and nothing saved. (The gift-card plan is the one changed: no other test file orders
 * gift cards while this one runs, and the example saved is the default's equal.)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ErrorJsonSchema, PlanSavedJsonSchema, PlansJsonSchema, CatalogUpsertJsonSchema } from '../../src/cli/schemas';
import { cliEnv, parseJson } from '../support/cli';
import { ROOT, runCli } from '../support/processes';
import { uid } from '../support/orders';
import { createPool } from '../../src/db/pool';

jest.setTimeout(60_000);

const env = cliEnv('plans-cli-');
const cli = (args: string[]) => runCli(args, env);
const example = (name: string) => path.join(ROOT, 'examples/plans', name);
const pool = createPool(process.env.DATABASE_URL!, 1);
afterAll(() => pool.end());

const versions = async () =>
  Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM fulfilment_plans`)).rows[0]!.n);

test('set validates the file and saves it as the next version; show and history list it', async () => {
  const before = parseJson(PlansJsonSchema, (await cli(['plans', 'show', '--type', 'giftcard', '--json'])).stdout);
  expect(before.plans).toHaveLength(1);
  const set = await cli([
    'plans',
    'set',
    '--type',
    'giftcard',
    '--file',
    example('giftcard.json'),
    '--note',
    'approval only from 500.00',
    '--json',
  ]);
  expect(set.code).toBe(0);
  const saved = parseJson(PlanSavedJsonSchema, set.stdout).plan;
  expect(saved).toMatchObject({ productType: 'giftcard', version: before.plans[0]!.version + 1 });
  expect(saved.note).toBe('approval only from 500.00');
  const shown = parseJson(PlansJsonSchema, (await cli(['plans', 'show', '--json'])).stdout);
  expect(shown.plans.find((p) => p.productType === 'giftcard')).toEqual(saved);
  expect(shown.plans.map((p) => p.productType).sort()).toEqual(['digital', 'giftcard', 'physical', 'preorder']);
  const history = parseJson(PlansJsonSchema, (await cli(['plans', 'history', '--type', 'giftcard', '--json'])).stdout);
  expect(history.plans.at(-1)).toEqual(saved);
  expect(history.plans.map((p) => p.version)).toEqual([...history.plans.map((p) => p.version)].sort((a, b) => a - b));
});

test.each([
  [
    'goods before payment',
    'invalid-ships-before-payment.json',
    /sequence\.1: "ship" hands goods over: it needs a "capture" before it/,
  ],
])('an invalid plan (%s) is refused with exit 2, the place of the problem, and nothing saved', async (_, file, why) => {
  const before = await versions();
  const refused = await cli(['plans', 'set', '--type', 'physical', '--file', example(file), '--json']);
  expect(refused.code).toBe(2);
  expect(parseJson(ErrorJsonSchema, refused.stdout).error.message).toMatch(why);
  expect(refused.stderr).toMatch(/nothing was saved/);
  expect(await versions()).toBe(before);
});

test('flags are checked before anything is read or saved: type, file, JSON', async () => {
  const before = await versions();
  const badType = await cli(['plans', 'set', '--type', 'vinyl', '--file', example('physical.json')]);
  expect(badType).toMatchObject({ code: 2 });
  expect(badType.stderr).toMatch(/--type: must be one of physical, digital, preorder, giftcard/);
  const missing = await cli(['plans', 'set', '--type', 'digital', '--file', example('nope.json')]);
  expect(missing).toMatchObject({ code: 2 });
  expect(missing.stderr).toMatch(/--file: cannot read .*nope\.json: ENOENT/);
  const notJson = await cli(['plans', 'set', '--type', 'digital', '--file', path.join(ROOT, 'README.md')]);
  expect(notJson).toMatchObject({ code: 2 });
  expect(notJson.stderr).toMatch(/is not JSON/);
  expect(await versions()).toBe(before);
});

/** `orders catalog upsert` of `sku` at `price` with the type flags given. */
const upsert = (sku: string, name: string, price: string, flags: string[]) =>
  cli(['catalog', 'upsert', '--sku', sku, '--name', name, '--price', price, '--currency', 'USD', ...flags]);

test('catalog upsert --type: digital items keep no stock; a pre-order needs its release date', async () => {
  const sku = uid('APP');
  const digital = await upsert(sku, 'App licence', '49.00', ['--type', 'digital', '--json']);
  expect(digital.code).toBe(0);
  expect(parseJson(CatalogUpsertJsonSchema, digital.stdout)).toMatchObject({
    created: true,
    item: { sku, productType: 'digital', warehouses: [] },
  });
  expect(digital.stdout).not.toContain('warehouseId');

  const game = uid('GAME');
  const noDate = await upsert(game, 'Game', '69.00', ['--stock', '5', '--type', 'preorder']);
  expect(noDate.code).toBe(2);
  expect(noDate.stderr).toMatch(/--release-at: is required/);
  const stocked = await upsert(game, 'Licence', '1.00', ['--stock', '5', '--type', 'digital']);
  expect(stocked.code).toBe(2);
  expect(stocked.stderr).toMatch(/--stock: digital items have no stock/);
  expect((await pool.query('SELECT 1 FROM catalog_items WHERE sku = $1', [game])).rowCount).toBe(0);

  const preorder = await upsert(game, 'Game', '69.00', [
    '--stock',
    '5',
    '--type',
    'preorder',
    '--release-at',
    '2027-03-01T09:00:00Z',
    '--json',
  ]);
  expect(preorder.code).toBe(0);
  expect(parseJson(CatalogUpsertJsonSchema, preorder.stdout).item).toMatchObject({
    productType: 'preorder',
    releaseAt: '2027-03-01T09:00:00.000Z',
    onHand: 5,
  });
});

test('rules set: a valid file is the next version of this deployment’s rules; an invalid one is refused (exit 2) with its path, and nothing saved', async () => {
  const scoped = async () =>
    Number(
      (await pool.query<{ n: string }>(`SELECT count(*) AS n FROM rule_sets WHERE scope = $1`, ['plans-cli-'])).rows[0]!
        .n,
    );
  const before = await scoped();
  const shown = await cli(['rules', 'show', '--json']);
  expect(shown.code).toBe(0);
  expect(JSON.parse(shown.stdout)).toMatchObject({ version: before, rules: { approval: expect.any(Object) } });

  const bad = path.join(os.tmpdir(), `rules-${uid('bad')}.json`);
  writeFileSync(
    bad,
    JSON.stringify({
      ...JSON.parse(readFileSync(path.join(ROOT, 'examples/rules.json'), 'utf8')),
      approval: { thresholdCents: -5, bands: [] },
    }),
  );
  const refused = await cli(['rules', 'set', '--file', bad]);
  expect(refused.code).toBe(2);
  expect(refused.stderr).toMatch(/approval\.thresholdCents: must not be negative; nothing was saved/);
  expect(await scoped()).toBe(before);

  const set = await cli([
    'rules',
    'set',
    '--file',
    path.join(ROOT, 'examples/rules.json'),
    '--note',
    'example',
    '--json',
  ]);
  expect(set.code).toBe(0);
  expect(JSON.parse(set.stdout).ruleSet).toMatchObject({
    version: before + 1,
    note: 'example',
    rules: { approval: { thresholdCents: 50_000 } },
  });
  expect(await scoped()).toBe(before + 1);
  const history = JSON.parse((await cli(['rules', 'history', '--json'])).stdout) as {
    ruleSets: Array<{ version: number }>;
  };
  expect(history.ruleSets.at(-1)!.version).toBe(before + 1);
});
