/**
 * The production topology for real: the full Temporal server (v1.29.1, built from the Go module
 * proxy) on PostgreSQL with the release's schema, the sandbox payment provider as its own process,
 * one worker process per service and two on payments. Orders run through it; one payments worker is
 * SIGKILLed while payments are in flight; every order completes, charged exactly once.
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { Pool } from 'pg';
import { startCluster, type RunningCluster } from '../../tools/cluster/cluster';
import { freeClusterPorts } from '../../tools/cluster/server-config';
import { clusterDatabases, dropTemporalDatabases } from '../../tools/cluster/temporal-schema';
import { loadDataConverter } from '../../src/runtime/data-converter';
import { freePort, isPortFree } from '../../tools/dev-stack/ports';
import { ProcessRegistry } from '../../tools/dev-stack/processes';
import { eventually, orderRequest, paymentOps, place, seedSku, stockOf, testSettings } from '../support/orders';

jest.setTimeout(300_000);

// Skipped (and the global setup says why) without Go and without a build; never in CI.
const describeCluster = process.env.CLUSTER_TEST === 'on' ? describe : describe.skip;

function serverUrlOf(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.pathname = '/postgres';
  return url.toString();
}

describeCluster('the production topology', () => {
  test('temporal-server on PostgreSQL, a worker process per service: SIGKILL a payments worker and every order completes with one capture', async () => {
    const registry = new ProcessRegistry();
    const runDir = mkdtempSync(path.join(os.tmpdir(), 'durable-orders-cluster-'));
    const serverUrl = serverUrlOf(process.env.DATABASE_URL!);
    const prefix = `temporal_ct_${process.pid}`;
    const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
    let cluster: RunningCluster | undefined;
    let connection: Connection | undefined;
    try {
      cluster = await startCluster({
        temporalServerUrl: serverUrl,
        temporalDatabasePrefix: prefix,
        appDatabaseUrl: process.env.DATABASE_URL!,
        ports: await freeClusterPorts(isPortFree),
        namespace: 'default',
        paymentsApiPort: await freePort(),
        carrierApiPort: await freePort(),
        ordersApiPort: await freePort(),
        runDir,
        registry,
        // tok_slow: each authorize and capture takes 1.5 s at the provider, so payments are in flight.
        env: { SANDBOX_PAYMENT_DELAY_MS: '1500', LOG_LEVEL: 'info' },
      });
      expect(cluster.processes.map((p) => p.name)).toEqual([
        'temporal-server',
        'payments-provider',
        'carrier-provider',
        'worker-orders',
        'worker-inventory',
        'worker-payments-1',
        'worker-payments-2',
        'worker-shipping',
        'worker-fulfilment',
        'worker-returns',
        'orders-api',
      ]);
      // The Orders API runs beside the workers on the full server, and asks for credentials.
      const apiLog = cluster.processes.find((p) => p.name === 'orders-api')!.log;
      const apiUrl = /orders API on (\S+)/.exec(readFileSync(apiLog, 'utf8'))![1];
      expect((await fetch(`${apiUrl}/v1/approvals`)).status).toBe(401);
      connection = await Connection.connect({ address: cluster.server.address });
      // The full server on PostgreSQL, not the dev server on SQLite.
      const info = await connection.workflowService.getSystemInfo({});
      expect(info.serverVersion).toBe('1.29.1');
      const shards = await connection.operatorService.listClusters({});
      expect(shards.clusters?.[0]?.historyShardCount).toBe(4);
      const client = new Client({ connection, dataConverter: loadDataConverter() });

      const sku = await seedSku(pool, { priceCents: 2_500, stock: { east: 8 } });
      const orders = await Promise.all(
        Array.from({ length: 8 }, () =>
          place(client, orderRequest({ items: [{ sku, quantity: 1 }], token: 'tok_slow' }), testSettings(), ''),
        ),
      );
      await eventually(async () => {
        const { rows } = await pool.query(`SELECT count(*)::int AS n FROM sandbox_payments WHERE order_id = ANY($1)`, [
          orders.map((o) => o.orderId),
        ]);
        return rows[0].n > 0 ? true : undefined;
      });
      const doomed = cluster.processes.find((p) => p.name === 'worker-payments-1')!;
      const survivor = cluster.processes.find((p) => p.name === 'worker-payments-2')!;
      await registry.kill(doomed.pid);

      for (const o of orders) expect((await o.handle.result()).status).toBe('Delivered');
      for (const o of orders)
        expect((await paymentOps(pool, o.orderId)).map((p) => `${p.operation}:${p.status}`)).toEqual([
          'authorize:approved',
          'capture:approved',
        ]);
      expect(await stockOf(pool, sku)).toEqual({ east: { onHand: 0, reserved: 0 } });
      // Each parcel booked once at the carrier's own process, under the reference our shipment keeps.
      const { rows: bookings } = await pool.query(
        `SELECT count(b.idempotency_key)::int AS n FROM shipments s
         LEFT JOIN sandbox_carrier_bookings b ON b.carrier_ref = s.carrier_ref AND b.status = 'BOOKED'
         WHERE s.order_id = ANY($1) GROUP BY s.shipment_id`,
        [orders.map((o) => o.orderId)],
      );
      expect(bookings.map((b) => b.n)).toEqual(orders.map(() => 1));
      // The survivor took payments after the kill (its pid is in the identity of started activity tasks).
      const identities = new Set<string>();
      for (const o of orders)
        for (const e of (await o.handle.fetchHistory()).events ?? [])
          if (e.activityTaskStartedEventAttributes?.identity)
            identities.add(e.activityTaskStartedEventAttributes.identity);
      expect([...identities].some((id) => id.startsWith(`${survivor.pid}@`))).toBe(true);
    } finally {
      await connection?.close();
      await cluster?.stop();
      await registry.killAll();
      expect(registry.alive()).toEqual([]);
      await dropTemporalDatabases(serverUrl, clusterDatabases(serverUrl, prefix));
      await pool.end();
      rmSync(runDir, { recursive: true, force: true });
    }
  });
});
