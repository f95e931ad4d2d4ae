/**
 * Safe deploys: every recorded history (test/histories/, one per branch of the order workflow and
 * its shipment children, recorded by `npm run record-histories`) replays against the current
 * workflow code. A change that would make an order in flight non-deterministic fails here, before it
 * ships; make it behind `patched()`, or re-record on purpose for an incompatible deploy.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { parseKeyring } from '../../src/infra/codec-keys';
import { dataConverterFor } from '../../src/infra/data-converter';

const DIR = path.join(__dirname, '../histories');
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

test('the recorded histories cover every branch: delivered, digital, mixed cart, pre-order, declined, refunded, approval, cancellation', () => {
  const branches = new Set(files.map((f) => f.split('.')[0]));
  for (const branch of [
    'delivered',
    'digital',
    'mixed-cart',
    'preorder',
    'declined',
    'refunded',
    'approved',
    'rejected',
    'approval-timeout',
    'cancelled',
    'delivered-by-hand',
  ])
    expect(branches).toContain(branch);
  expect(files.some((f) => f.includes('.shipment-'))).toBe(true);
});

test('every recorded history replays on the current workflow code', async () => {
  const key = readFileSync(path.join(DIR, 'codec-key.txt'), 'utf8').trim();
  const histories = files.map((f) => ({
    workflowId: f.replace(/\.json$/, ''),
    history: JSON.parse(readFileSync(path.join(DIR, f), 'utf8')) as unknown,
  }));
  const failures: string[] = [];
  let replayed = 0;
  for await (const result of Worker.runReplayHistories(
    {
      workflowBundle: { codePath: process.env.WORKFLOW_BUNDLE_PATH! },
      dataConverter: dataConverterFor(parseKeyring(key, 'test/histories/codec-key.txt')),
      replayName: 'replay-test',
    },
    histories,
  )) {
    replayed++;
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  expect(failures).toEqual([]);
  expect(replayed).toBe(files.length);
});
