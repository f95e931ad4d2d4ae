/**
 * Load balancing and failover on the real stack: two payments worker processes poll one payments
 * queue; one is SIGKILLed while payments are in flight; every order still completes, charged once,
 * with no worker restarted (the survivor takes the dead one's tasks when their attempts time out).
 */
import { Client, Connection } from '@temporalio/client';
import { Pool } from 'pg';
import { loadDataConverter } from '../../src/runtime/data-converter';
import { eventually, orderRequest, paymentOps, place, seedSku, testSettings, uid } from '../support/orders';
import { spawnNode, type Spawned } from '../support/processes';

jest.setTimeout(180_000);

test('two payments workers share the queue; SIGKILL one mid-payment and every order completes with one capture', async () => {
  const prefix = `${uid('shared')}-`;
  const env = { ...process.env, TASK_QUEUE_PREFIX: prefix, LOG_LEVEL: 'info', SANDBOX_PAYMENT_DELAY_MS: '2000' };
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const client = new Client({ connection, dataConverter: loadDataConverter() });
  const others = ['orders', 'inventory', 'shipping', 'fulfilment'].flatMap((s) => ['--service', s]);
  const processes: Spawned[] = [
    spawnNode('worker.js', others, env),
    spawnNode('worker.js', ['--service', 'payments'], env),
    spawnNode('worker.js', ['--service', 'payments'], env),
  ];
  const [, doomed, survivor] = processes;
  try {
    await Promise.all(processes.map((p) => p.waitFor(/workers polling/)));
    const sku = await seedSku(pool, { priceCents: 3_000, stock: { east: 6 } });
    // tok_slow: each authorize and capture takes 2 s at the provider, so payments are in flight.
    const orders = await Promise.all(
      Array.from({ length: 6 }, () =>
        place(client, orderRequest({ items: [{ sku, quantity: 1 }], token: 'tok_slow' }), testSettings(), prefix),
      ),
    );
    await eventually(async () => {
      const { rows } = await pool.query(`SELECT count(*)::int AS n FROM sandbox_payments WHERE order_id = ANY($1)`, [
        orders.map((o) => o.orderId),
      ]);
      return rows[0].n > 0 ? true : undefined;
    });
    expect(await doomed!.stop('SIGKILL')).toBeNull();

    for (const o of orders) expect((await o.handle.result()).status).toBe('Delivered');
    for (const o of orders)
      expect((await paymentOps(pool, o.orderId)).map((p) => `${p.operation}:${p.status}`)).toEqual([
        'authorize:approved',
        'capture:approved',
      ]);
    // The survivor finished payments (its process identity is on the completed activity tasks).
    const identities = new Set<string>();
    for (const o of orders)
      for (const e of (await o.handle.fetchHistory()).events ?? [])
        if (e.activityTaskStartedEventAttributes?.identity)
          identities.add(e.activityTaskStartedEventAttributes.identity);
    expect([...identities].some((id) => id.startsWith(`${survivor!.child.pid}@`))).toBe(true);
  } finally {
    for (const p of processes) await p.stop('SIGTERM');
    await connection.close();
    await pool.end();
  }
});
