/**
 * Safe deploys: every recorded history replays against the current workflow code: this release's
 * (test/histories/*.json, one per branch of the order workflow (its parcels inside it from v0.8;
 * shipment children in the earlier releases' histories), the
 * back-order waitlist and the scheduled workflows, recorded by `npm run record-histories`) and the
 * earlier releases' (test/histories/<version>/, kept: their runs may still be in flight when this
 * code deploys). A change that would break a run in flight fails here, before it ships; make it
 * behind `patched()` (workflows/patches.ts), or deploy it as a new Worker Deployment version.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { parseKeyring } from '../../src/runtime/codec-keys';
import { dataConverterFor } from '../../src/runtime/data-converter';

const DIR = path.join(__dirname, '../histories');
const jsonIn = (dir: string) =>
  readdirSync(path.join(DIR, dir))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => path.join(dir, f));
/** This code's histories, and those recorded on earlier releases (runs that may still be in flight). */
const RELEASES = readdirSync(DIR).filter((d) => /^\d+\.\d+\.\d+$/.test(d));
const files = jsonIn('.');
const earlier = RELEASES.flatMap(jsonIn);

test('the recorded histories cover every branch and every workflow type', () => {
  const branches = new Set(files.map((f) => path.basename(f).split('.')[0]));
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
    'backorder',
    'reconciliation',
    'outbox-lag',
    'reservation-sweep',
  ])
    expect(branches).toContain(branch);
  // From v0.8 new orders run their parcels themselves: the shipment children of runs that shipped on
  // older code replay from earlier releases' histories. This release's include a two-parcel order.
  expect(earlier.some((f) => f.includes('.shipment-'))).toBe(true);
  expect(files.some((f) => f.includes('.shipment-'))).toBe(false);
  expect(files.some((f) => f.includes('.waitlist'))).toBe(true);
  // Runs started on an earlier release must still replay: its histories stay (test/histories/<version>/).
  expect(earlier.length).toBeGreaterThan(0);
});

test("every recorded history (this release's and earlier ones) replays on the current workflow code", async () => {
  const key = readFileSync(path.join(DIR, 'codec-key.txt'), 'utf8').trim();
  const all = [...files, ...earlier];
  const histories = all.map((f) => ({
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
  expect(replayed).toBe(all.length);
});
