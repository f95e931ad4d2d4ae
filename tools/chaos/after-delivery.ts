/**
 * What happens to a chaos order after it was delivered, as its plan says: one unit sent back (the
 * return workflow: label, the sandbox carrier's parcel back, the warehouse's signed inspection as
 * resellable or damaged), or a small goodwill refund (under the approval threshold). Faults keep
 * coming meanwhile; a refusal (the line never arrived, nothing left to refund) is an outcome.
 */
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import {
  goodwillWorkflowId,
  returnWorkflowId,
  taskQueueFor,
  type GoodwillView,
  type ReturnView,
} from '../../src/domain';
import { inspectUpdate, returnQuery } from '../../workflows/return-api';
import { describeError, retrying, sleep, type ActionOutcome, type DriveContext, type SettledView } from './calls';
import type { OrderPlan } from './order-mix';

/** The goodwill refund a chaos order gets: well under the rules' approval threshold. */
export const CHAOS_GOODWILL_CENTS = 150;

export async function afterDeliveryAction(
  ctx: DriveContext,
  plan: OrderPlan,
  view: SettledView | undefined,
): Promise<ActionOutcome[]> {
  if (!plan.after) return [];
  const kind = plan.after === 'goodwill' ? 'goodwill' : 'return';
  if (view?.status !== 'Delivered') return [{ kind, result: 'skipped', detail: `ended ${view?.status ?? 'unknown'}` }];
  try {
    return [plan.after === 'goodwill' ? await goodwill(ctx, plan) : await sendBack(ctx, plan, view)];
  } catch (err) {
    return [{ kind, result: 'error', detail: describeError(err) }];
  }
}

async function start<T>(ctx: DriveContext, type: string, workflowId: string, arg: object): Promise<WorkflowHandle> {
  await retrying(ctx, () =>
    ctx.client.workflow
      .start(type, { workflowId, taskQueue: taskQueueFor('orders', ctx.taskQueuePrefix), args: [arg] })
      .catch((err: Error) => {
        if (err.name !== 'WorkflowExecutionAlreadyStartedError') throw err; // a retry after a lost answer
      }),
  );
  return ctx.client.workflow.getHandle<() => Promise<T>>(workflowId);
}

async function goodwill(ctx: DriveContext, plan: OrderPlan): Promise<ActionOutcome> {
  const refundId = `${plan.orderId}-g`;
  const request = {
    refundId,
    orderId: plan.orderId,
    amountCents: CHAOS_GOODWILL_CENTS,
    reason: 'chaos run: scratched',
    requestedBy: 'chaos',
  };
  const handle = await start<GoodwillView>(ctx, 'goodwillRefundWorkflow', goodwillWorkflowId(refundId), request);
  const view = (await retrying(ctx, () => handle.result())) as GoodwillView;
  return view.status === 'Refunded'
    ? { kind: 'goodwill', result: 'accepted', atStatus: 'Delivered' }
    : { kind: 'goodwill', result: 'refused', atStatus: 'Delivered', detail: view.note ?? view.status };
}

/** One unit of the first line that travelled goes back; the warehouse finds it resellable, or damaged. */
async function sendBack(ctx: DriveContext, plan: OrderPlan, order: SettledView): Promise<ActionOutcome> {
  const line = order.lines.find((l) => l.productType === 'physical')!;
  const rmaId = `${plan.orderId}-r`;
  const request = {
    rmaId,
    orderId: plan.orderId,
    lines: [{ sku: line.sku, quantity: 1 }],
    reason: 'chaos run',
    requestedBy: 'chaos',
  };
  const handle = await start<ReturnView>(ctx, 'returnWorkflow', returnWorkflowId(rmaId), request);
  let view: ReturnView;
  for (;;) {
    view = await retrying(ctx, () => handle.query(returnQuery));
    if (view.status !== 'Requested' && view.status !== 'AwaitingParcel') break;
    await sleep(300, ctx.signal);
  }
  if (view.status === 'Received') {
    const condition = plan.after === 'return-damaged' ? ('damaged' as const) : ('resellable' as const);
    // Its answer or its refusal: either way the run's result below says how it ended.
    await retrying(
      ctx,
      () =>
        handle.executeUpdate(inspectUpdate, {
          args: [{ lines: [{ sku: line.sku, accepted: 1, condition }] }],
          updateId: `inspect-${rmaId}`, // a retry after a server restart is the same Update
        }),
      (err) => err instanceof WorkflowUpdateFailedError,
    ).catch(() => undefined);
    view = (await retrying(ctx, () => handle.result())) as ReturnView;
  }
  return view.status === 'Refunded'
    ? { kind: 'return', result: 'accepted', atStatus: 'Delivered' }
    : { kind: 'return', result: 'refused', atStatus: 'Delivered', detail: view.note ?? view.status };
}
