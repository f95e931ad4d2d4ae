/**
 * Requests to a running order: `approve`, `reject` and `cancel` are Updates (the workflow's
 * validator answers yes or no at once, and a refusal says why), `deliver` plays the carrier and
 * signals "delivered" to each of the order's shipment workflows.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, isGrpcDeadlineError, type Client } from '@temporalio/client';
import {
  formatZodError,
  freeTextSchema,
  isTerminal,
  orderWorkflowId,
  shipmentWorkflowId,
  type OrderView,
} from '../domain';
import { approveUpdate, cancelUpdate, carrierEventSignal, rejectUpdate } from '../../workflows/order-api';
import { checkOrderId, describeOrder, readOrder, withContext, type CliContext } from './context';
import { invalid, operational } from './errors';
import { EXIT, clean, printJson } from './output';
import { orderLine, toStatusJson } from './status';

function checkText(flag: string, value: string | undefined, max: number): string {
  const parsed = freeTextSchema(max).safeParse(value);
  if (!parsed.success) throw invalid(formatZodError(parsed.error).replace(/^input:/, `${flag}:`));
  return parsed.data;
}

/** How long an approve/reject may take to be answered; cancel waits for compensation as well. */
const DECIDE_TIMEOUT_MS = 30_000;
const CANCEL_TIMEOUT_MS = 120_000;

type Action = 'approve' | 'reject' | 'cancel';

/** The update went to a run that is no longer there: closed, or never existed. Say which, like the validator would. */
async function explainMissing(client: Client, orderId: string, action: Action): Promise<never> {
  const execution = await describeOrder(client, orderId); // throws "order X not found"
  const { view } = await readOrder(client, orderId, execution).catch(() => ({ view: undefined }));
  const status = view?.status ?? `closed (${execution.status.name})`;
  if (action === 'cancel')
    throw invalid(
      `refused: order ${orderId} is ${status}: it can no longer be cancelled (only before the first parcel is picked up)`,
    );
  throw invalid(`refused: order ${orderId} is ${status}, not AwaitingApproval`);
}

async function update(
  ctx: CliContext,
  orderId: string,
  action: Action,
  run: () => Promise<OrderView>,
  timeoutMs: number,
): Promise<OrderView> {
  try {
    return await ctx.client.withDeadline(Date.now() + timeoutMs, run);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return explainMissing(ctx.client, orderId, action);
    if (isGrpcDeadlineError(err) && !(err instanceof WorkflowUpdateFailedError)) {
      throw operational(
        `no answer to ${action} for order ${orderId} within ${timeoutMs / 1000}s: is a worker polling task queue "${ctx.ordersQueue}"? (npm start, or npm run worker)`,
      );
    }
    throw err;
  }
}

async function report(
  ctx: CliContext,
  orderId: string,
  action: Action,
  view: OrderView,
  json: boolean | undefined,
  human: string,
): Promise<number> {
  const execution = await describeOrder(ctx.client, orderId);
  const url = ctx.orderUrl(orderId);
  if (json) printJson({ orderId, action, order: toStatusJson({ view, execution }, url) });
  else {
    console.log(`${human}\n${orderLine(view, url)}`);
    if (!isTerminal(view.status)) console.log(`Follow it with: orders watch ${orderId}`);
  }
  return EXIT.OK;
}

export async function approve(orderId: string, opts: { by?: string; note?: string; json?: boolean }): Promise<number> {
  checkOrderId(orderId);
  const by = checkText('--by', opts.by, 100);
  const note = opts.note === undefined ? undefined : checkText('--note', opts.note, 500);
  return withContext(async (ctx) => {
    const handle = ctx.client.workflow.getHandle(orderWorkflowId(orderId));
    const view = await update(
      ctx,
      orderId,
      'approve',
      () =>
        handle.executeUpdate(approveUpdate, {
          args: [{ by, identity: ctx.client.options.identity, ...(note ? { note } : {}) }],
        }),
      DECIDE_TIMEOUT_MS,
    );
    return report(
      ctx,
      orderId,
      'approve',
      view,
      opts.json,
      `Approved order ${orderId} by ${clean(by)}: it goes on to payment.`,
    );
  });
}

export async function reject(orderId: string, opts: { by?: string; reason?: string; json?: boolean }): Promise<number> {
  checkOrderId(orderId);
  const by = checkText('--by', opts.by, 100);
  const reason = checkText('--reason', opts.reason, 500);
  return withContext(async (ctx) => {
    const handle = ctx.client.workflow.getHandle(orderWorkflowId(orderId));
    const view = await update(
      ctx,
      orderId,
      'reject',
      () => handle.executeUpdate(rejectUpdate, { args: [{ by, reason, identity: ctx.client.options.identity }] }),
      DECIDE_TIMEOUT_MS,
    );
    return report(
      ctx,
      orderId,
      'reject',
      view,
      opts.json,
      `Rejected order ${orderId} by ${clean(by)}: it is being cancelled (stock released, nothing charged).`,
    );
  });
}

export async function cancel(
  orderId: string,
  opts: { reason?: string; by?: string; customer?: boolean; json?: boolean },
): Promise<number> {
  checkOrderId(orderId);
  const reason = checkText('--reason', opts.reason, 500);
  const by = opts.by === undefined ? undefined : checkText('--by', opts.by, 100);
  return withContext(async (ctx) => {
    const handle = ctx.client.workflow.getHandle(orderWorkflowId(orderId));
    // The update answers once compensation is done, with the final state.
    const view = await update(
      ctx,
      orderId,
      'cancel',
      () =>
        handle.executeUpdate(cancelUpdate, {
          args: [
            {
              reason,
              identity: ctx.client.options.identity,
              ...(by ? { by } : {}),
              ...(opts.customer ? { onBehalfOf: 'customer' as const } : {}),
            },
          ],
        }),
      CANCEL_TIMEOUT_MS,
    );
    return report(ctx, orderId, 'cancel', view, opts.json, `Cancelled order ${orderId}: it ended ${view.status}.`);
  });
}

const DONE_SHIPMENT = new Set(['delivered', 'Cancelled', 'Failed']);

export async function deliver(orderId: string, opts: { json?: boolean }): Promise<number> {
  checkOrderId(orderId);
  return withContext(async (ctx) => {
    const { view } = await readOrder(ctx.client, orderId);
    if (view.status === 'Delivered') throw invalid(`order ${orderId} is already Delivered`);
    if (isTerminal(view.status)) throw invalid(`order ${orderId} is ${view.status}: it has nothing to deliver`);
    if (view.shipments.length === 0) {
      throw invalid(`order ${orderId} has no shipments yet (it is ${view.status}); they are booked once it is paid`);
    }
    const signalled: Array<{ shipmentId: string; workflowId: string; warehouseId: string }> = [];
    const skipped: Array<{ shipmentId: string; status: string }> = [];
    for (const s of view.shipments) {
      const workflowId = shipmentWorkflowId(s.shipmentId);
      if (DONE_SHIPMENT.has(s.status)) {
        skipped.push({ shipmentId: s.shipmentId, status: s.status });
        continue;
      }
      // A shipment in Booking may be a moment away from existing: retry briefly before giving up.
      for (let attempt = 1; ; attempt++) {
        try {
          await ctx.client.workflow.getHandle(workflowId).signal(carrierEventSignal, { event: 'delivered' });
          signalled.push({ shipmentId: s.shipmentId, workflowId, warehouseId: s.warehouseId });
          break;
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
          if (attempt >= 10) {
            skipped.push({ shipmentId: s.shipmentId, status: 'not running' });
            break;
          }
          await sleep(500);
        }
      }
    }
    const url = ctx.orderUrl(orderId);
    if (opts.json) {
      printJson({ orderId, url, signalled, skipped });
      return EXIT.OK;
    }
    for (const s of signalled) console.log(`sent "delivered" to ${s.workflowId} (warehouse ${s.warehouseId})`);
    for (const s of skipped) console.log(`skipped shipment ${s.shipmentId}: ${s.status}`);
    console.log(orderLine(view, url));
    if (signalled.length > 0) console.log(`Follow it with: orders watch ${orderId}`);
    return EXIT.OK;
  });
}
