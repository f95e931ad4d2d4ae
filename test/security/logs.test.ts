/**
 * Personal data stays out of logs: the stack as `npm start` runs it (its own dev server, the
 * workers, the codec server, the Orders API), at LOG_LEVEL=debug so every SDK and application line
 * is printed, takes an order placed by the `orders` binary (through the Orders API) to Delivered; then its whole output is searched for the
 * customer's name, address and card token. The order id must be there (the logs did cover the order).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Pool } from 'pg';
import { vaultKey } from '../../src/placement/payment-methods';
import { freePort } from '../../tools/dev-stack/ports';
import { distinctiveCustomer, seedSku, uid } from '../support/orders';
import { runCli, spawnNode, startEnv } from '../support/processes';
import { sessionToken } from '../support/api';

jest.setTimeout(240_000);

test('npm start at debug level: an order is delivered, and no log line holds its name, address or token', async () => {
  const { tag, address, token, secrets } = distinctiveCustomer();
  const orderId = uid('logs');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'start-logs-'));
  const temporalPort = await freePort();
  const env = startEnv({
    DATABASE_URL: process.env.DATABASE_URL,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'debug',
    TEMPORAL_PORT: String(temporalPort),
    TEMPORAL_UI_PORT: String(await freePort()),
    CODEC_SERVER_PORT: String(await freePort()),
    ORDERS_API_PORT: String(await freePort()), // the CLI places through this stack's Orders API
    CARRIER_WEBHOOK_PORT: String(await freePort()),
    PAYMENTS_API_PORT: String(await freePort()), // the CLI exchanges the token at this stack's vault
    CARRIER_API_PORT: String(await freePort()),
    MAIL_SINK_PORT: String(await freePort()),
    TASK_QUEUE_PREFIX: `${tag}-`,
    TRANSIT_TIME_MS: '300',
  });
  const pool = new Pool({ connectionString: process.env.DATABASE_URL });
  const start = spawnNode('tools/dev-stack/start.js', [], env);
  try {
    await start.waitFor(/Ctrl-C stops everything/, 120_000);
    const sku = await seedSku(pool, { priceCents: 1_200, stock: { east: 1 } });
    const placed = await runCli(
      [
        'place',
        '--customer',
        'cust-logs',
        '--item',
        `${sku}:1`,
        '--ship-to',
        JSON.stringify(address),
        '--token',
        token,
        '--order-id',
        orderId,
        '--wait',
        '--json',
      ],
      {
        ...env,
        TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
        ORDERS_API_URL: `http://127.0.0.1:${env.ORDERS_API_PORT}`,
        ORDERS_API_TOKEN: await sessionToken(pool, uid('desk-logs'), 'customer-service'),
      },
    );
    expect(placed.code).toBe(0);
    // The token went to this stack's vault (npm start's payments API), and only there.
    const vault = await pool.query('SELECT token FROM sandbox_payment_methods WHERE idempotency_key = $1', [
      vaultKey(orderId, token),
    ]);
    expect(vault.rows).toEqual([{ token }]);
    expect(JSON.parse(placed.stdout)).toEqual(
      expect.objectContaining({ orderId, final: expect.objectContaining({ status: 'Delivered' }) }),
    );
  } finally {
    expect(await start.stop('SIGINT')).toBe(0);
    await pool.end();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const logs = start.output();
  expect(logs).toContain(orderId);
  for (const secret of secrets) expect(logs).not.toContain(secret);
});
