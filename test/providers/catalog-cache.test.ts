/**
 * The catalog caches on the real stack with Redis (REDIS_TEST_URL; global setup finds the
 * machine's Redis, and in CI requires it): two caches stand for two worker processes, the orders
 * worker prices through one of them. A price change through `orders catalog upsert` reaches both at
 * once; unknown SKUs are answered by the Bloom filter without a database read; a new SKU written
 * by upsert is known at once. Then the same for plain SQL, with Redis and without.
 */
import type { Pool } from 'pg';
import { SERVICES } from '../../src/domain';
import { createPool } from '../../src/db/pool';
import { createCatalogCache, type CatalogCache } from '../../activities/catalog/store/cache';
import { connectRedis } from '../../src/db/redis';
import { cliEnv } from '../support/cli';
import { eventually, orderRequest, place, seedSku, testSettings, uid } from '../support/orders';
import { runCli } from '../support/processes';
import { startTestWorkers, type TestWorkers } from '../support/workers';

const redisUrl = process.env.REDIS_TEST_URL;

/** One unit of `sku`, placed on `stack`'s workers (which price through the cache under test), to its end. */
async function orderOne(stack: TestWorkers, sku: string) {
  const { handle } = await place(
    stack.client,
    orderRequest({ items: [{ sku, quantity: 1 }] }),
    testSettings(),
    stack.prefix,
  );
  return handle.result();
}
const describeWithRedis = redisUrl ? describe : describe.skip;

describeWithRedis('catalog caches over Redis', () => {
  let pool: Pool;
  let sku: string;
  let workerA: CatalogCache;
  let workerB: CatalogCache;
  let stack: TestWorkers;

  beforeAll(async () => {
    pool = createPool(process.env.DATABASE_URL!, 2);
    sku = await seedSku(pool, { priceCents: 1_000, stock: { east: 20 } }); // before the caches: in their filter
    const cache = () => createCatalogCache({ pool, redis: connectRedis(redisUrl!), ttlMs: 600_000 });
    workerA = await cache();
    workerB = await cache();
    stack = await startTestWorkers(SERVICES, undefined, { catalog: workerA });
  });
  afterAll(async () => {
    await stack?.stop();
    await workerA?.close();
    await workerB?.close();
    await pool?.end();
  });

  const order = (s: string) => orderOne(stack, s);
  const upsert = (s: string, price: string) =>
    runCli(
      [
        'catalog',
        'upsert',
        '--sku',
        s,
        '--name',
        'Cached gadget',
        '--price',
        price,
        '--currency',
        'USD',
        '--stock',
        '20',
        '--warehouse',
        'east',
      ],
      cliEnv(stack.prefix, { REDIS_URL: redisUrl }),
    );

  test('a price change through orders catalog upsert reaches every worker at once; orders priced before keep their price', async () => {
    expect((await workerB.items([sku]))[sku]?.priceCents).toBe(1_000);
    const first = await order(sku);
    expect(first).toMatchObject({ status: 'Delivered', subtotalCents: 1_000 });
    const hitsBefore = workerA.stats().hits;
    expect((await order(sku)).subtotalCents).toBe(1_000);
    expect(workerA.stats().hits).toBeGreaterThan(hitsBefore); // the second order read memory

    const changed = await upsert(sku, '15.00');
    expect(changed).toMatchObject({ code: 0, stderr: '' });
    await eventually(async () => ((await workerB.items([sku]))[sku]?.priceCents === 1_500 ? true : undefined), 5_000);
    expect((await order(sku)).subtotalCents).toBe(1_500);
    expect(first.subtotalCents).toBe(1_000); // fixed when it was priced
  });

  test('unknown SKUs are answered by the Bloom filter without a database read', async () => {
    const before = workerA.stats();
    expect(await workerA.items([uid('NO-SUCH'), uid('NO-SUCH')])).toEqual({});
    const after = workerA.stats();
    expect(after.dbLoads).toBe(before.dbLoads);
    expect(after.bloomRejects).toBe(before.bloomRejects + 2);
    expect(await order(uid('NO-SUCH'))).toMatchObject({ status: 'Cancelled', failureReason: 'unknown-sku' });
  });

  test('a SKU created by orders catalog upsert after the workers started is known to them at once', async () => {
    const fresh = uid('NEW');
    expect((await upsert(fresh, '7.50')).code).toBe(0);
    await eventually(async () => ((await workerB.items([fresh]))[fresh] ? true : undefined), 5_000);
    expect(await order(fresh)).toMatchObject({ status: 'Delivered', subtotalCents: 750 });
  });
});

/**
 * Whoever writes the catalog (plain SQL here, as a migration or another tool would), the caches
 * learn it from PostgreSQL within a moment: a SKU first asked for while missing (a "missing" entry
 * in memory, and in Redis) is orderable within 2 s of its INSERT; a price changed by UPDATE too.
 */
describe.each([
  ['with Redis', true],
  ['without Redis', false],
])('catalog truth within a moment, whoever writes it (%s)', (_name, withRedis) => {
  if (withRedis && !redisUrl) return test.skip('needs REDIS_TEST_URL', () => undefined);
  let pool: Pool;
  let cache: CatalogCache;
  let peer: CatalogCache | undefined;
  let stack: TestWorkers;
  const redis = () => (withRedis ? connectRedis(redisUrl!) : undefined);
  beforeAll(async () => {
    pool = createPool(process.env.DATABASE_URL!, 2);
    cache = await createCatalogCache({ pool, redis: redis(), ttlMs: 600_000 });
    peer = withRedis ? await createCatalogCache({ pool, redis: redis(), ttlMs: 600_000 }) : undefined;
    stack = await startTestWorkers(SERVICES, undefined, { catalog: cache });
  });
  afterAll(async () => {
    await stack?.stop();
    await cache?.close();
    await peer?.close();
    await pool?.end();
  });
  const order = (s: string) => orderOne(stack, s);

  test('a SKU inserted with plain SQL is orderable within 2 s, after it was asked for while missing', async () => {
    const sku = uid('SQL');
    expect(await order(sku)).toMatchObject({ status: 'Cancelled', failureReason: 'unknown-sku' });
    if (peer) expect(await peer.items([sku])).toEqual({}); // the other worker holds "missing" too
    await pool.query(
      `INSERT INTO catalog_items (sku, name, price_cents, currency) VALUES ($1, 'SQL gadget', 825, 'USD')`,
      [sku],
    );
    await pool.query(`INSERT INTO stock (sku, warehouse_id, on_hand) VALUES ($1, 'east', 5)`, [sku]);
    const inserted = Date.now();
    await eventually(async () => ((await cache.items([sku]))[sku] ? true : undefined), 2_000);
    if (peer) await eventually(async () => ((await peer!.items([sku]))[sku] ? true : undefined), 2_000);
    expect(Date.now() - inserted).toBeLessThan(2_000);
    expect(await order(sku)).toMatchObject({ status: 'Delivered', subtotalCents: 825 });
  });

  test('a price changed with plain SQL reaches new orders within 2 s', async () => {
    const sku = await seedSku(pool, { priceCents: 1_000, stock: { east: 5 } });
    expect((await order(sku)).subtotalCents).toBe(1_000);
    await pool.query('UPDATE catalog_items SET price_cents = 1250 WHERE sku = $1', [sku]);
    await eventually(async () => ((await cache.items([sku]))[sku]?.priceCents === 1_250 ? true : undefined), 2_000);
    expect((await order(sku)).subtotalCents).toBe(1_250);
  });
});
