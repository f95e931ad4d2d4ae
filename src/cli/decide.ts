/**
 * Requests to a running order: `approve`, `reject` and `cancel` go through the Orders API as the
 * logged-in user (the API signs them; the workflow's refusal comes back with its reason, exit 2);
 * `deliver` plays the carrier and signals "delivered" for each of the order's parcels to the workflow
 * that follows it (its shipment workflow, or from v0.8 the order itself).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowNotFoundError } from '@temporalio/client';
import { loadConfig } from '../config';
import {
  formatZodError,
  freeTextSchema,
  carrierMessage,
  isTerminal,
  orderWorkflowId,
  parcelFollower,
  type OrderView,
} from '../domain';
import { carrierEventSignal } from '../../workflows/order-api';
import { apiSession, callApi } from './api-session';
import { checkOrderId, readOrder, withContext } from './context';
import { invalid } from './errors';
import { EXIT, clean, printJson, uiBase, workflowUrl } from './output';
import { orderLine, toViewJson } from './status';

function checkText(flag: string, value: string | undefined, max: number): string {
  const parsed = freeTextSchema(max).safeParse(value);
  if (!parsed.success) throw invalid(formatZodError(parsed.error).replace(/^input:/, `${flag}:`));
  return parsed.data;
}

type Action = 'approve' | 'reject' | 'cancel' | 'cancel-lines';

/**
 * A decision through the Orders API as the logged-in user (`orders login`): the API signs it, the
 * order checks it. `--by`, when given, must be that user: nobody decides under another's name.
 */
async function decide(
  orderId: string,
  action: Action,
  opts: { by?: string; json?: boolean },
  body: object,
  human: (view: OrderView, by: string) => string,
): Promise<number> {
  checkOrderId(orderId);
  const config = loadConfig();
  const session = apiSession(config);
  const me = await callApi<{ username?: string }>(session, 'GET', '/v1/session');
  const by = opts.by === undefined ? undefined : checkText('--by', opts.by, 100);
  if (by !== undefined && by !== me.username)
    throw invalid(
      `--by: you are logged in as ${me.username ?? 'a storefront'}; a decision is made as the logged-in user`,
    );
  const view = await callApi<OrderView>(session, 'POST', `/v1/orders/${encodeURIComponent(orderId)}/${action}`, body, {
    notFound: `order ${orderId} not found`,
  });
  const url = workflowUrl(uiBase(config), config.TEMPORAL_NAMESPACE, orderWorkflowId(orderId));
  if (opts.json) printJson({ orderId, action, order: toViewJson(view, url) });
  else {
    console.log(`${human(view, me.username ?? '')}\n${orderLine(view, url)}`);
    if (!isTerminal(view.status)) console.log(`Follow it with: orders watch ${orderId}`);
  }
  return EXIT.OK;
}

export function approve(orderId: string, opts: { by?: string; note?: string; json?: boolean }): Promise<number> {
  const note = opts.note === undefined ? undefined : checkText('--note', opts.note, 500);
  return decide(
    orderId,
    'approve',
    opts,
    note ? { note } : {},
    (_v, by) => `Approved order ${orderId} by ${clean(by)}: it goes on to payment.`,
  );
}

export function reject(orderId: string, opts: { by?: string; reason?: string; json?: boolean }): Promise<number> {
  const reason = checkText('--reason', opts.reason, 500);
  return decide(
    orderId,
    'reject',
    opts,
    { reason },
    (_v, by) => `Rejected order ${orderId} by ${clean(by)}: it is being cancelled (stock released, nothing charged).`,
  );
}

export function cancel(
  orderId: string,
  opts: { reason?: string; by?: string; customer?: boolean; line?: string[]; json?: boolean },
): Promise<number> {
  const reason = checkText('--reason', opts.reason, 500);
  // With --line: only those lines leave the order (before its payment is captured); the rest goes on.
  if (opts.line?.length)
    return decide(
      orderId,
      'cancel-lines',
      opts,
      { reason, skus: opts.line.map((sku) => checkText('--line', sku, 64)) },
      (view) =>
        `Took ${opts.line!.join(', ')} out of order ${orderId}: its total is now ${view.totalCents} ${view.currency ?? ''}.`,
    );
  // The API answers once compensation is done, with the final state.
  return decide(
    orderId,
    'cancel',
    opts,
    { reason, ...(opts.customer ? { onBehalfOfCustomer: true } : {}) },
    (view) => `Cancelled order ${orderId}: it ended ${view.status}.`,
  );
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
      // The order's view says who follows the parcel, as the booking told the shipping service.
      const follower = parcelFollower(s);
      const { workflowId } = follower;
      if (DONE_SHIPMENT.has(s.status)) {
        skipped.push({ shipmentId: s.shipmentId, status: s.status });
        continue;
      }
      // A shipment in Booking may be a moment away from existing: retry briefly before giving up.
      for (let attempt = 1; ; attempt++) {
        try {
          await ctx.client.workflow
            .getHandle(workflowId)
            .signal(carrierEventSignal, carrierMessage(follower, s.shipmentId, 'delivered'));
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
