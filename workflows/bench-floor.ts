import { proxyActivities, proxyLocalActivities, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import type { BenchActivities, BenchFloorInput } from '../src/domain/deterministic';

/**
 * The benchmark's floor (npm run bench): the order's number of activity calls and nothing else,
 * one INSERT each, in sequence, on the worker's own task queue. Same timeouts and retry shape as
 * an order's forward steps (workflows/activity-proxies.ts), so only the business logic differs.
 */
const options: ActivityOptions = {
  startToCloseTimeout: '10s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' },
};

const remote = proxyActivities<BenchActivities>(options).benchInsert;
const local = proxyLocalActivities<BenchActivities>(options).benchInsert;

/** Returns the number of calls made. */
async function insertInSequence(calls: Array<BenchActivities['benchInsert']>): Promise<number> {
  const { workflowId } = workflowInfo();
  for (const [step, insert] of calls.entries()) await insert({ workflowId, step });
  return calls.length;
}

/**
 * The order's mix: its local activities (run by the workflow's own worker, recorded as markers),
 * then its activities (each scheduled by the server and polled by a worker).
 */
export async function benchFloorWorkflow(input: BenchFloorInput): Promise<number> {
  const locals = Array.from({ length: input.localActivities ?? 0 }, () => local);
  return insertInSequence([...locals, ...Array.from({ length: input.activities }, () => remote)]);
}

/** Every call a local activity. */
export async function benchFloorLocalWorkflow(input: BenchFloorInput): Promise<number> {
  return insertInSequence(Array.from({ length: input.activities }, () => local));
}
