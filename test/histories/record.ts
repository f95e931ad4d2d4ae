/**
 * Records the replay histories (`npm run record-histories`, not part of `npm test`): one order per
 * branch of the order workflow, run on the real stack, and its shipment children (before v0.8); each history
 * written to test/histories/<branch>.<workflow>.json. test/workflows/replay.test.ts replays every
 * one against the current workflow code, so a change that would break orders in flight fails CI.
 * Re-record on purpose, when a change is meant to be incompatible (and deployed as such: docs/choices.md). Payloads are encrypted with the committed test key (codec-key.txt): sandbox data only.
 */
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { SERVICES, backorderWorkflowId, shipmentWorkflowId, type OrderView } from '../../src/domain';
import { waitlistsVia } from '../../src/runtime/waitlists';
import { outboxLagWorkflow, reconciliationWorkflow } from '../../workflows/checks';
import { reservationSweeperWorkflow } from '../../workflows/reservation-sweeper';
import { approveUpdate, cancelUpdate, rejectUpdate } from '../../workflows/order-api';
import {
  carrierEvent,
  orderRequest,
  place,
  seedSku,
  seedTypedSku,
  testPolicy,
  testSettings,
  waitForView,
} from '../support/orders';
import { rawHistory } from '../support/raw-history';
import { startTestWorkers, type TestWorkers } from '../support/workers';

jest.setTimeout(300_000);

const DIR = __dirname;
const CODEC_KEY = readFileSync(path.join(DIR, 'codec-key.txt'), 'utf8').trim();

let stack: TestWorkers;
beforeAll(async () => {
  stack = await startTestWorkers(SERVICES, undefined, {
    codecKeys: CODEC_KEY,
    policy: testPolicy({ approvalTimeoutMs: 3_000 }),
  });
  // This release's histories only: those of earlier releases (test/histories/<version>/) stay.
  for (const f of readdirSync(DIR)) if (f.endsWith('.json')) rmSync(path.join(DIR, f));
});
afterAll(() => stack.stop());

async function save(branch: string, handle: WorkflowHandle, view: OrderView): Promise<void> {
  // As `temporal workflow show --output json` prints it: the format replay reads (historyFromJSON).
  const write = async (name: string, workflowId: string) =>
    writeFileSync(path.join(DIR, `${branch}.${name}.json`), (await rawHistory(workflowId)).text);
  await write('order', handle.workflowId);
  // From v0.8 the order follows its parcels itself: a shipment child only for a run on older code.
  for (const s of view.shipments)
    if (!s.followedBy) await write(`shipment-${s.warehouseId}`, shipmentWorkflowId(s.shipmentId));
}

/** A workflow that is not an order (the waitlist, the scheduled checks): its history as it stands. */
async function saveOne(file: string, workflowId: string): Promise<void> {
  writeFileSync(path.join(DIR, `${file}.json`), (await rawHistory(workflowId)).text);
}

async function run(
  branch: string,
  request: ReturnType<typeof orderRequest>,
  drive?: (h: WorkflowHandle) => Promise<void>,
  settings = testSettings(),
) {
  const { handle } = await place(stack.client, request, settings, stack.prefix);
  await drive?.(handle);
  const view = await handle.result().catch(() => handle.query<OrderView>('status'));
  await save(branch, handle, view);
  return view;
}

test('record one history per branch', async () => {
  const sku = await seedSku(stack.pool, { priceCents: 2_500, stock: { east: 50, west: 50 } });
  const big = await seedSku(stack.pool, { priceCents: 150_000, stock: { east: 10 } });
  const digital = await seedTypedSku(stack.pool, 'digital', 4_900);
  const gift = await seedTypedSku(stack.pool, 'giftcard', 2_500);
  const item = (s: string, quantity = 1) => ({ sku: s, quantity });

  // 60 of 40 + 40 in stock: the line splits over two warehouses, so two shipment children.
  const split = await seedSku(stack.pool, { priceCents: 500, stock: { east: 40, west: 40 } });
  expect((await run('delivered', orderRequest({ items: [item(split, 60)] }))).status).toBe('Delivered');
  expect((await run('digital', orderRequest({ items: [item(digital)] }))).status).toBe('Delivered');
  expect((await run('mixed-cart', orderRequest({ items: [item(sku), item(digital), item(gift)] }))).status).toBe(
    'Delivered',
  );
  const preorder = await seedTypedSku(stack.pool, 'preorder', 6_900, new Date(Date.now() + 2_000));
  expect((await run('preorder', orderRequest({ items: [item(preorder)] }))).status).toBe('Delivered');
  expect((await run('declined', orderRequest({ items: [item(sku)], token: 'tok_declined' }))).status).toBe('Cancelled');
  expect((await run('refunded', orderRequest({ items: [item(sku)], country: 'AQ' }))).status).toBe('Refunded');
  const waiting = (h: WorkflowHandle) => waitForView(h, (v) => v.status === 'AwaitingApproval');
  expect(
    (
      await run('approved', orderRequest({ items: [item(big)] }), async (h) => {
        await waiting(h);
        await h.executeUpdate(approveUpdate, { args: [{ by: 'alice', note: 'known customer' }] });
      })
    ).status,
  ).toBe('Delivered');
  expect(
    (
      await run('rejected', orderRequest({ items: [item(big)] }), async (h) => {
        await waiting(h);
        await h.executeUpdate(rejectUpdate, { args: [{ by: 'bob', reason: 'too big' }] });
      })
    ).status,
  ).toBe('Cancelled');
  expect((await run('approval-timeout', orderRequest({ items: [item(big)] }))).status).toBe('Cancelled');
  expect(
    (
      await run(
        'cancelled',
        orderRequest({ items: [item(sku)] }),
        async (h) => {
          await waitForView(h, (v) => v.shipments.some((s) => s.status === 'Booked'));
          await h.executeUpdate(cancelUpdate, { args: [{ reason: 'changed my mind' }] });
        },
        testSettings({ sandboxCarrier: false }),
      )
    ).status,
  ).toBe('Refunded');
  expect(
    (
      await run(
        'delivered-by-hand',
        orderRequest({ items: [item(sku)] }),
        async (h) => {
          const booked = await waitForView(h, (v) => v.shipments.some((s) => s.status === 'Booked'));
          await carrierEvent(stack.client, booked, 'delivered');
        },
        testSettings({ sandboxCarrier: false }),
      )
    ).status,
  ).toBe('Delivered');

  // Back-order: short of stock, waits on the SKU's waitlist until a restock releases it.
  const scarce = await seedSku(stack.pool, { priceCents: 2_500, stock: { east: 0 } });
  expect(
    (
      await run(
        'backorder',
        orderRequest({ items: [item(scarce)] }),
        async (h) => {
          await waitForView(h, (v) => v.status === 'Backordered');
          await stack.pool.query(`UPDATE stock SET on_hand = 1 WHERE sku = $1`, [scarce]);
          expect(await waitlistsVia(stack.client, stack.prefix).restocked(scarce)).toBe(true);
        },
        testSettings({ backorderMs: 60_000 }),
      )
    ).status,
  ).toBe('Delivered');
  const waitlist = stack.client.workflow.getHandle(backorderWorkflowId(scarce, stack.prefix));
  await waitlist.terminate('recorded');
  await saveOne('backorder.waitlist', waitlist.workflowId);

  // The scheduled workflows, run once each.
  const checks = { taskQueue: stack.ordersQueue };
  const recon = `record-reconciliation-${Date.now()}`;
  await stack.client.workflow.execute(reconciliationWorkflow, { ...checks, workflowId: recon });
  await saveOne('reconciliation.checks', recon);
  const lag = `record-outbox-lag-${Date.now()}`;
  await stack.client.workflow.execute(outboxLagWorkflow, { ...checks, workflowId: lag, args: [{ alertMs: 300_000 }] });
  await saveOne('outbox-lag.checks', lag);
  const sweep = `record-sweep-${Date.now()}`;
  await stack.client.workflow.execute(reservationSweeperWorkflow, {
    ...checks,
    workflowId: sweep,
    args: [{ limit: 10 }],
  });
  await saveOne('reservation-sweep.sweeper', sweep);
});
