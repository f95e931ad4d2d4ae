/**
 * Worker Deployments on the real server: every worker declares its deployment name and build id
 * (package version + commit), and the server records it on each workflow task. With versioning on
 * (WORKER_VERSIONING=pinned) a deploy goes as docs/operations.md, Deploys says: the new version is made
 * current, new orders run on it, and an order started on the old version stays pinned to it and
 * completes on the old workers while they drain.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { SERVICES } from '../../src/domain';
import { buildId } from '../../src/runtime/worker-version';
import { approveUpdate } from '../../workflows/order-api';
import {
  orderRequest,
  placeOneLine,
  place,
  seedSku,
  testPolicy,
  testSettings,
  uid,
  waitForView,
} from '../support/orders';
import { startTestWorkers, type TestWorkers } from '../support/workers';

/** Build ids of the workers that completed the run's workflow tasks, in order, without repeats. */
async function taskBuildIds(handle: WorkflowHandle): Promise<string[]> {
  const events = (await handle.fetchHistory()).events ?? [];
  const ids = events.flatMap((e) => {
    const a = e.workflowTaskCompletedEventAttributes;
    if (!a) return [];
    const id = a.deploymentVersion?.buildId ?? a.workerVersion?.buildId;
    return id ? [id] : [];
  });
  return ids.filter((id, i) => ids[i - 1] !== id);
}

test('unversioned (the default): each workflow task records the build id of the worker that ran it', async () => {
  const stack = await startTestWorkers(SERVICES);
  try {
    const { handle } = await placeOneLine(stack, { priceCents: 1_000, stock: { east: 2 } });
    expect((await handle.result()).status).toBe('Delivered');
    const expected = buildId({});
    expect(expected).toMatch(/^0\.\d+\.\d+(\+[0-9a-f]{12})?$/);
    expect(await taskBuildIds(handle)).toEqual([expected]);
    const first = (await handle.fetchHistory()).events!.find((e) => e.workflowTaskCompletedEventAttributes);
    expect(first!.workflowTaskCompletedEventAttributes!.workerDeploymentName).toBe(`${stack.prefix}durable-orders`);
  } finally {
    await stack.stop();
  }
});

/** Makes `buildId` the deployment's current version, once its workers have polled (the server knows it then). */
async function makeCurrent(stack: TestWorkers, deploymentName: string, buildId: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await stack.client.workflowService.setWorkerDeploymentCurrentVersion({
        namespace: 'default',
        deploymentName,
        buildId,
        identity: 'worker-versioning test',
      });
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200)); // the version appears when its workers first poll
    }
  }
}

test('pinned: after v2 is made current, new orders run on v2 and an order started on v1 finishes on v1', async () => {
  const prefix = `t${uid('v').slice(2)}-`;
  const deploymentName = `${prefix}durable-orders`;
  const pinned = (build: string) => ({
    version: { deploymentName, buildId: build },
    useWorkerVersioning: true as const,
    defaultVersioningBehavior: 'PINNED' as const,
  });
  const policy = testPolicy({ approvalTimeoutMs: 120_000 });
  const v1 = await startTestWorkers(SERVICES, undefined, { prefix, policy, deployment: pinned('v1') });
  let v2: TestWorkers | undefined;
  try {
    await makeCurrent(v1, deploymentName, 'v1');
    const big = await seedSku(v1.pool, { priceCents: 150_000, stock: { east: 2 } });
    const early = await place(v1.client, orderRequest({ items: [{ sku: big, quantity: 1 }] }), testSettings(), prefix);
    await waitForView(early.handle, (v) => v.status === 'AwaitingApproval');

    // The deploy: v2 workers start beside v1, then v2 becomes current.
    v2 = await startTestWorkers(SERVICES, undefined, { prefix, policy, deployment: pinned('v2') });
    await makeCurrent(v2, deploymentName, 'v2');
    const small = await seedSku(v2.pool, { priceCents: 1_000, stock: { east: 2 } });
    const late = await place(v2.client, orderRequest({ items: [{ sku: small, quantity: 1 }] }), testSettings(), prefix);
    expect((await late.handle.result()).status).toBe('Delivered');
    expect(await taskBuildIds(late.handle)).toEqual(['v2']);

    // The order pinned to v1 is decided now, and v1's workers (still draining) finish it.
    await early.handle.executeUpdate(approveUpdate, { args: [{ by: 'alice' }] });
    expect((await early.handle.result()).status).toBe('Delivered');
    expect(await taskBuildIds(early.handle)).toEqual(['v1']);
    const described = await early.handle.describe();
    expect(described.raw.workflowExecutionInfo?.versioningInfo?.behavior).toBe(1); // VERSIONING_BEHAVIOR_PINNED
  } finally {
    await v2?.stop();
    await v1.stop();
  }
});
