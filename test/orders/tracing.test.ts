/**
 * Tracing on by configuration (OTEL_TRACES_EXPORTER=otlp): a worker process, the Orders API and the
 * CLI send spans over OTLP/HTTP to a collector this test runs on loopback. One order placed by
 * `orders place` is one trace: the CLI's PlaceOrder (its context travels to the API in the
 * request's `traceparent`), the API's StartWorkflow, the workflow's RunWorkflow and StartActivity
 * spans, and the activities' RunActivity spans in the worker process all carry the same trace id.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'pg';
import { cliEnv } from '../support/cli';
import { eventually, seedSku, uid } from '../support/orders';
import { runCli, spawnNode } from '../support/processes';
import { sessionToken } from '../support/api';
import { freePort } from '../../tools/dev-stack/ports';

jest.setTimeout(180_000);

interface Span {
  service: string;
  traceId: string;
  name: string;
}

/** A minimal OTLP/HTTP JSON receiver: what the exporter posts to /v1/traces, flattened. */
async function startCollector() {
  const spans: Span[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const doc = JSON.parse(body);
        for (const rs of doc.resourceSpans ?? []) {
          const service = rs.resource.attributes.find((a: { key: string }) => a.key === 'service.name')?.value
            .stringValue;
          for (const ss of rs.scopeSpans ?? [])
            for (const s of ss.spans ?? []) spans.push({ service, traceId: s.traceId, name: s.name });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, spans, stop: () => new Promise((resolve) => server.close(resolve)) };
}

test('with OTEL_TRACES_EXPORTER=otlp one order is one trace from the CLI through the workflow into each activity', async () => {
  const collector = await startCollector();
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
  const prefix = `${uid('trace')}-`;
  const tracingEnv = { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, LOG_LEVEL: 'info' };
  // No prebuilt bundle: the worker bundles the workflows with the tracing interceptors.
  const { WORKFLOW_BUNDLE_PATH: _prebuilt, ...env } = cliEnv(prefix, tracingEnv);
  const worker = spawnNode('worker.js', [], env);
  const apiPort = await freePort();
  const api = spawnNode('scripts/api.js', [], { ...env, ORDERS_API_PORT: String(apiPort) });
  const placer = {
    ORDERS_API_URL: `http://127.0.0.1:${apiPort}`,
    ORDERS_API_TOKEN: await sessionToken(pool, uid('desk-trace'), 'customer-service'),
  };
  try {
    await worker.waitFor(/workers polling/, 120_000);
    await api.waitFor(/orders API on/, 60_000);
    const sku = await seedSku(pool, { priceCents: 1_999, stock: { east: 3 } });
    const shipTo = JSON.stringify({ name: 'Ada', line1: '1 St', city: 'London', postalCode: 'N1 9GU', country: 'GB' });
    const placed = await runCli(
      ['place', '--customer', 'cust-trace', '--item', `${sku}:1`, '--ship-to', shipTo, '--token', 'tok_ok', '--wait'],
      { ...env, ...placer },
    );
    expect(placed).toMatchObject({ code: 0 });
    expect(placed.stdout).toMatch(/Delivered/);

    // Spans of every part of the order: the CLI, the API, the workflow (its parcels are its own steps from
    // v0.8), activities of the orders, inventory, payments and shipping services (one worker process here).
    const expected = [
      'durable-orders-cli PlaceOrder',
      'durable-orders-api StartWorkflow:orderWorkflow',
      'durable-orders-worker RunWorkflow:orderWorkflow',
      'durable-orders-worker StartActivity:reserve',
      'durable-orders-worker RunActivity:reserve',
      'durable-orders-worker RunActivity:authorize',
      'durable-orders-worker RunActivity:capture',
      'durable-orders-worker StartActivity:bookShipment',
      'durable-orders-worker RunActivity:bookShipment',
      'durable-orders-worker RunActivity:confirm',
    ];
    await eventually(async () => {
      const start = collector.spans.find((s) => s.name === 'PlaceOrder');
      if (!start) return undefined;
      const inTrace = new Set(
        collector.spans.filter((s) => s.traceId === start.traceId).map((s) => `${s.service} ${s.name}`),
      );
      return expected.every((name) => inTrace.has(name)) ? inTrace : undefined;
    }, 20_000).catch((err: Error) => {
      const seen = collector.spans.map((s) => `${s.service} ${s.traceId.slice(0, 8)} ${s.name}`);
      throw new Error(`${err.message}; spans received:\n${seen.join('\n')}`);
    });
  } finally {
    await api.stop('SIGTERM');
    await worker.stop('SIGTERM');
    await pool.end();
    await collector.stop();
  }
});
