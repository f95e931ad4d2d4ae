/**
 * Safe deploys: the last-call approval reminder (workflows/patches.ts) shipped behind `patched()`.
 * An order that passed its half-way reminder on the code before the change completes on the new
 * code, without a last call (it replays the old path); an order started on the new code gets one.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { SERVICES } from '../../src/domain';
import { projectRoot } from '../../src/runtime/paths';
import type { orderWorkflow } from '../../workflows/order';
import { approveUpdate } from '../../workflows/order-api';
import { PATCHES } from '../../workflows/patches';
import { placeOneLine, testPolicy, waitForView } from '../support/orders';
import { patchMarkerData, rawHistory } from '../support/raw-history';
import { startTestWorkers, type TestWorkers } from '../support/workers';

const APPROVAL_WINDOW_MS = 12_000;
let oldBundlePath: string;

beforeAll(async () => {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: new DefaultLogger('WARN'),
    webpackConfigHook: (config) => {
      config.resolve = {
        ...config.resolve,
        alias: {
          ...(config.resolve?.alias as Record<string, string>),
          '@temporalio/workflow$': path.join(__dirname, 'support/workflow-before-patches.ts'),
        },
      };
      return config;
    },
  });
  oldBundlePath = path.join(projectRoot(), 'test-output', 'workflow-bundle-before-patches.js');
  writeFileSync(oldBundlePath, code);
});

/** Markers of the last-call patch in the run's history (not local-activity markers, not other patches'). */
async function patchMarkers(handle: WorkflowHandle): Promise<number> {
  const { events } = await rawHistory(handle.workflowId);
  return patchMarkerData(events).filter((p) => p.id === PATCHES.approvalLastCall).length;
}

async function outboxReminders(stack: TestWorkers, orderId: string): Promise<string[]> {
  const { rows } = await stack.pool.query<{ reminder: string }>(
    `SELECT payload->>'reminder' AS reminder FROM outbox WHERE order_id = $1 AND event_type = 'ApprovalReminder' ORDER BY id`,
    [orderId],
  );
  return rows.map((r) => r.reminder);
}

test('an order past its half-way reminder on the old code completes on the new code, without a last call', async () => {
  const policy = testPolicy({ approvalTimeoutMs: APPROVAL_WINDOW_MS });
  const before = await startTestWorkers(SERVICES, undefined, { policy, workflowBundlePath: oldBundlePath });
  let after: TestWorkers | undefined;
  try {
    const { orderId, handle } = await placeOneLine(before, { priceCents: 150_000, stock: { east: 2 } });
    await waitForView(handle, (v) => v.history.some((h) => h.note?.startsWith('reminder: half')), 20_000);

    // The deploy: old workers stop, new ones take the same queues and replay the order's history.
    await before.stop();
    after = await startTestWorkers(SERVICES, undefined, { policy, prefix: before.prefix });
    const onNewCode = after.client.workflow.getHandle<typeof orderWorkflow>(handle.workflowId);
    const approved = await onNewCode.executeUpdate(approveUpdate, { args: [{ by: 'alice' }] });
    expect(approved.approval).toMatchObject({ decision: 'approved', by: 'alice' });
    const view = await onNewCode.result();
    expect(view.status).toBe('Delivered');
    expect(view.history.map((h) => h.note).filter((n) => n?.startsWith('last call'))).toEqual([]);
    expect(await outboxReminders(after, orderId)).toEqual(['half-way']);
    expect(await patchMarkers(onNewCode)).toBe(0); // the old path records no patch marker
  } finally {
    await after?.stop();
  }
});

test('an order on the new code gets the last call at a tenth of the window left, with the patch marker', async () => {
  const stack = await startTestWorkers(SERVICES, undefined, {
    policy: testPolicy({ approvalTimeoutMs: 15_000 }),
  });
  try {
    const { orderId, handle } = await placeOneLine(stack, { priceCents: 150_000, stock: { east: 2 } });
    await waitForView(handle, (v) => v.history.some((h) => h.note?.startsWith('last call')), 20_000);
    await handle.executeUpdate(approveUpdate, { args: [{ by: 'bob' }] });
    expect((await handle.result()).status).toBe('Delivered');
    expect(await outboxReminders(stack, orderId)).toEqual(['half-way', 'last-call']);
    expect(await patchMarkers(handle)).toBe(1);
  } finally {
    await stack.stop();
  }
});
