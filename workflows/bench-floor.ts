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

async function insertInSequence(insert: BenchActivities['benchInsert'], input: BenchFloorInput): Promise<number> {
  const { workflowId } = workflowInfo();
  for (let step = 0; step < input.activities; step++) await insert({ workflowId, step });
  return input.activities;
}

/** Activities: each call is scheduled by the server and polled by the worker. */
export async function benchFloorWorkflow(input: BenchFloorInput): Promise<number> {
  return insertInSequence(proxyActivities<BenchActivities>(options).benchInsert, input);
}

/** Local activities: run by the workflow's own worker, recorded as markers. */
export async function benchFloorLocalWorkflow(input: BenchFloorInput): Promise<number> {
  return insertInSequence(proxyLocalActivities<BenchActivities>(options).benchInsert, input);
}
