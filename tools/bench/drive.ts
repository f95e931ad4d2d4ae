/**
 * Drives the measured work: `count` tasks, at most `concurrency` at a time, each timed from the
 * moment it is placed to the moment its result is seen. An order task places an order as
 * `orders place` does (the card token exchanged at the vault, then the workflow started) and,
 * for the approval shape, approves it once it waits; a floor task starts a bare workflow.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { PaymentMethodVault } from '../../src/placement/payment-methods';
import { placeOrder } from '../../src/placement/place-order';
import { TERMINAL_STATUSES, orderWorkflowId, type OrderSettings, type OrderView } from '../../src/domain';
import type { benchFloorWorkflow } from '../../workflows/bench-floor';
import { approveUpdate } from '../../workflows/order-api';
import { OrderStatusKey } from '../../workflows/search-attribute-keys';
import { BENCH_APPROVER, orderRequest, type Shape } from './shapes';

export interface Sample {
  workflowId: string;
  /** Milliseconds since the run's clock origin (performance.now()). */
  startedAt: number;
  endedAt: number;
  latencyMs: number;
  /** The order's final status (Delivered...), `Completed` for a floor workflow, or what went wrong. */
  status: string;
  error?: string;
}

export type Task = (index: number) => Promise<Sample>;

/** Runs tasks 0..count-1, `concurrency` at a time; stops starting new ones once `signal` aborts. */
export async function runPool(
  count: number,
  concurrency: number,
  task: Task,
  onSample: (s: Sample) => void,
  signal?: AbortSignal,
): Promise<Sample[]> {
  const samples: Sample[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, async () => {
      while (next < count && !signal?.aborted) {
        const sample = await task(next++);
        samples.push(sample);
        onSample(sample);
      }
    }),
  );
  return samples;
}

export interface Bound {
  /** One task may take this long; past that it is let go as timed out. */
  timeoutMs: number;
  /** The run was interrupted: tasks in flight are let go at once. */
  signal?: AbortSignal;
}

/**
 * Times `run` and turns its outcome into a sample. A task let go (timed out, interrupted) has its
 * Temporal calls cancelled through the signal `run` gets, so none of them outlives the run's
 * connection.
 */
async function timed(client: Client, workflowId: string, bound: Bound, run: () => Promise<string>): Promise<Sample> {
  const cancel = new AbortController();
  const startedAt = performance.now();
  const done = (status: string, error?: string): Sample => {
    const endedAt = performance.now();
    return { workflowId, startedAt, endedAt, latencyMs: endedAt - startedAt, status, ...(error ? { error } : {}) };
  };
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const givenUp = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${bound.timeoutMs} ms`)), bound.timeoutMs);
    onAbort = () => reject(new Error('interrupted'));
    bound.signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return done(await Promise.race([client.withAbortSignal(cancel.signal, run), givenUp]));
  } catch (err) {
    return done('error', err instanceof Error ? err.message : String(err));
  } finally {
    clearTimeout(timer);
    if (onAbort) bound.signal?.removeEventListener('abort', onAbort);
    cancel.abort(); // a finished task has nothing left to cancel; one let go has its calls
  }
}

export interface OrderTaskContext {
  client: Client;
  vault: PaymentMethodVault;
  settings: OrderSettings;
  taskQueuePrefix: string;
  /** Makes each order id unique to the run and the phase. */
  idPrefix: string;
  bound: Bound;
  /** How often the automatic approver looks whether an approval order waits yet. */
  approverPollMs?: number;
}

/**
 * The automatic approver: watches the order's OrderStatus search attribute (describe reads it
 * from the server, costing the worker nothing) and approves by Update as soon as it says
 * AwaitingApproval; stops looking once the run has closed.
 */
async function approveWhenWaiting(client: Client, workflowId: string, pollMs: number): Promise<void> {
  const handle = client.workflow.getHandle(workflowId);
  for (;;) {
    const d = await handle.describe();
    if (d.status.name !== 'RUNNING') return;
    if (d.typedSearchAttributes.get(OrderStatusKey) === 'AwaitingApproval') {
      await handle.executeUpdate(approveUpdate, {
        args: [{ by: BENCH_APPROVER, note: 'npm run bench: automatic approver' }],
      });
      return;
    }
    await sleep(pollMs);
  }
}

export function orderTask(ctx: OrderTaskContext, shape: Shape): Task {
  return (index) => {
    const orderId = `${ctx.idPrefix}-${String(index).padStart(5, '0')}`;
    return timed(ctx.client, orderWorkflowId(orderId), ctx.bound, async () => {
      const { workflowId } = await placeOrder(ctx.client, orderRequest(shape, orderId, index), {
        settings: ctx.settings,
        taskQueuePrefix: ctx.taskQueuePrefix,
        vault: ctx.vault,
      });
      const handle = ctx.client.workflow.getHandle(workflowId);
      const result = handle.result() as Promise<OrderView>;
      result.catch(() => undefined); // awaited below; the approver may fail first
      if (shape === 'approval') await approveWhenWaiting(ctx.client, workflowId, ctx.approverPollMs ?? 100);
      const view = await result;
      return TERMINAL_STATUSES.includes(view.status) ? view.status : `not terminal: ${view.status}`;
    });
  };
}

export interface FloorTaskContext {
  client: Client;
  taskQueue: string;
  idPrefix: string;
  activities: number;
  /** benchFloorWorkflow's local activities before its activities (ignored when `local`). */
  localActivities: number;
  /** Every call a local activity (benchFloorLocalWorkflow). */
  local: boolean;
  bound: Bound;
}

export function floorTask(ctx: FloorTaskContext): Task {
  return (index) => {
    const workflowId = `${ctx.idPrefix}-${String(index).padStart(5, '0')}`;
    return timed(ctx.client, workflowId, ctx.bound, async () => {
      const done = await ctx.client.workflow.execute<typeof benchFloorWorkflow>(
        ctx.local ? 'benchFloorLocalWorkflow' : 'benchFloorWorkflow',
        {
          workflowId,
          taskQueue: ctx.taskQueue,
          args: [{ activities: ctx.activities, localActivities: ctx.local ? 0 : ctx.localActivities }],
        },
      );
      const calls = ctx.local ? ctx.activities : ctx.activities + ctx.localActivities;
      return done === calls ? 'Completed' : `completed ${String(done)} of ${calls} calls`;
    });
  };
}
