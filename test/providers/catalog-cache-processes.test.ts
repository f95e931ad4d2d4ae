/**
 * Cache invalidation across worker processes (REDIS_TEST_URL): two orders-worker processes price
 * from their own in-memory catalog over the machine's Redis; both hold the SKU; `orders catalog
 * upsert`, run without REDIS_URL, changes its price; each process hears PostgreSQL's notice and
 * drops its copy, so every order
 * priced afterwards, by either process, has the new price (a process that missed it would answer
 * the old price from memory for the next ten minutes).
 */
import type { Pool } from 'pg';
import { Client, Connection } from '@temporalio/client';
import { createPool } from '../../src/db/pool';
import { loadDataConverter } from '../../src/runtime/data-converter';
import { freePort } from '../../tools/dev-stack/ports';
import { cliEnv } from '../support/cli';
import { orderRequest, place, seedSku, testSettings, uid } from '../support/orders';
import { runCli, spawnNode, type Spawned } from '../support/processes';

const redisUrl = process.env.REDIS_TEST_URL;
const testWithRedis = redisUrl ? test : test.skip;
jest.setTimeout(180_000);

/** Catalog lookups this process has made, over all layers (its Prometheus endpoint). */
async function lookups(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('catalog_cache_lookups_total{'))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

testWithRedis('orders catalog upsert reaches the catalog cache of every worker process', async () => {
  const prefix = `${uid('cachep')}-`;
  const pool: Pool = createPool(process.env.DATABASE_URL!, 2);
  const sku = await seedSku(pool, { priceCents: 1_000, stock: { east: 100 } });
  const env = {
    ...process.env,
    TASK_QUEUE_PREFIX: prefix,
    REDIS_URL: redisUrl,
    CATALOG_CACHE_TTL_MS: '600000',
    TRANSIT_TIME_MS: '100',
    LOG_LEVEL: 'debug',
  };
  const ports = [await freePort(), await freePort()];
  const rest = ['inventory', 'payments', 'shipping', 'fulfilment'].flatMap((s) => ['--service', s]);
  const pricers: Spawned[] = ports.map((port) =>
    spawnNode('worker.js', ['--service', 'orders'], { ...env, METRICS_PORT: String(port) }),
  );
  const processes = [...pricers, spawnNode('worker.js', rest, env)];
  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const client = new Client({ connection, dataConverter: loadDataConverter() });
  const priceOf = async () => {
    const { handle } = await place(client, orderRequest({ items: [{ sku, quantity: 1 }] }), testSettings(), prefix);
    return (await handle.result()).subtotalCents;
  };
  /** Orders, four at a time, until both processes have priced since `since` (bounded). */
  const orderUntilBothPriced = async (since: number[]) => {
    const prices: number[] = [];
    for (let round = 0; round < 8; round++) {
      prices.push(...(await Promise.all([priceOf(), priceOf(), priceOf(), priceOf()])));
      const now = await Promise.all(ports.map(lookups));
      if (now.every((n, i) => n > since[i]!)) return { prices, lookups: now };
    }
    throw new Error('one orders worker priced none of 32 orders');
  };
  try {
    await Promise.all(processes.map((p) => p.waitFor(/workers polling/)));
    const warm = await orderUntilBothPriced([0, 0]);
    expect(new Set(warm.prices)).toEqual(new Set([1_000]));

    const changed = await runCli(
      [
        'catalog',
        'upsert',
        '--sku',
        sku,
        '--name',
        'Cached gadget',
        '--price',
        '15.00',
        '--currency',
        'USD',
        '--stock',
        '100',
        '--warehouse',
        'east',
      ],
      // The CLI's own environment has no Redis: the change is announced by PostgreSQL, not by it.
      cliEnv(prefix),
    );
    expect(changed).toMatchObject({ code: 0, stderr: '' });
    // Each process heard PostgreSQL's notice of this SKU's change.
    for (const p of pricers) await p.waitFor(new RegExp(`"sku":"${sku}"[^\\n]*catalog change heard`), 10_000);

    const after = await orderUntilBothPriced(warm.lookups);
    expect(new Set(after.prices)).toEqual(new Set([1_500]));
  } finally {
    for (const p of processes) await p.stop('SIGTERM');
    await connection.close();
    await pool.end();
  }
});
