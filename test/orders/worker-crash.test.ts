import { Client, Connection } from '@temporalio/client';
import { Pool } from 'pg';
import { loadDataConverter } from '../../src/runtime/data-converter';
import { orderRequest, paymentOps, place, seedSku, stockOf, testSettings, uid, waitForView } from '../support/orders';
import { spawnNode } from '../support/processes';

/**
 * The worker is a separate process here, so it can really die: SIGKILL mid-order (while the
 * sandbox carrier activity runs), then a fresh worker finishes the order from history.
 */
test('a worker killed mid-order is replaced and the order completes with exactly one capture', async () => {
  const prefix = `${uid('crash')}-`;
  // info: "workers polling" tells us it is up; the carrier's 6 s transit (the workers' setting) leaves time to kill one.
  const env = { ...process.env, TASK_QUEUE_PREFIX: prefix, LOG_LEVEL: 'info', TRANSIT_TIME_MS: '6000' };
  const pool = new Pool({ connectionString: process.env.DATABASE_URL });
  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const client = new Client({ connection, dataConverter: loadDataConverter() });
  let worker = spawnNode('worker.js', [], env);
  try {
    await worker.waitFor(/workers polling/);
    const sku = await seedSku(pool, { priceCents: 9_000, stock: { east: 3 } });
    const { orderId, handle } = await place(
      client,
      orderRequest({ items: [{ sku, quantity: 1 }] }),
      testSettings(),
      prefix,
    );
    await waitForView(handle, (v) => v.status === 'Processing' && v.shipments[0]?.status === 'Booked');

    expect(await worker.stop('SIGKILL')).toBeNull();
    worker = spawnNode('worker.js', [], env);
    await worker.waitFor(/workers polling/);

    const view = await handle.result();
    expect(view.status).toBe('Delivered');
    expect((await paymentOps(pool, orderId)).map((p) => p.operation)).toEqual(['authorize', 'capture']);
    expect(await stockOf(pool, sku)).toEqual({ east: { onHand: 2, reserved: 0 } });
  } finally {
    await worker.stop('SIGTERM');
    await connection.close();
    await pool.end();
  }
}, 120_000);
