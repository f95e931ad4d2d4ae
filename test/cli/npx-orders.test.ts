/**
 * The CLI run exactly as the README says: `npx orders …` from the checkout, the quick start's
 * `place --file examples/order.json --wait`. npx links the package's bin and sets its exec bit
 * only the first time; a rebuilt dist/client.js must be executable by itself (the build sees to
 * it), or npx answers "sh: 1: orders: Permission denied".
 */
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { cliEnv } from '../support/cli';
import { ROOT } from '../support/processes';
import { startTestWorkers, type TestWorkers } from '../support/workers';
import { startTestApi, type TestApi } from '../support/api';

const run = promisify(execFile);

let stack: TestWorkers;
let api: TestApi;
beforeAll(async () => {
  stack = await startTestWorkers();
  api = await startTestApi(stack); // what `npm start` runs; `orders login` would keep the session
});
afterAll(async () => {
  await api.stop();
  await stack.stop();
});

test('the build leaves the bin executable', () => {
  expect(statSync(path.join(ROOT, 'dist/client.js')).mode & 0o111).toBe(0o111);
});

test('npx orders place --file examples/order.json --wait: the quick start, delivered', async () => {
  const env = cliEnv(stack.prefix, await api.cliAs('desk-npx', 'customer-service'));
  const help = await run('npx', ['--no-install', 'orders', '--help'], { cwd: ROOT, env });
  expect(help.stdout).toMatch(/^Usage: orders /);

  const { stdout } = await run(
    'npx',
    ['--no-install', 'orders', 'place', '--file', 'examples/order.json', '--wait', '--json'],
    {
      cwd: ROOT,
      env,
      timeout: 60_000,
    },
  );
  const placed = JSON.parse(stdout) as { orderId: string; final: { status: string; items: Array<{ sku: string }> } };
  expect(placed.final.status).toBe('Delivered');
  expect(placed.final.items.map((l) => l.sku).sort()).toEqual(['KB-001', 'MON-27']);
  const { rows } = await stack.pool.query('SELECT status FROM orders WHERE order_id = $1', [placed.orderId]);
  expect(rows).toEqual([{ status: 'Delivered' }]);
});
