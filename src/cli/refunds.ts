/**
 * `orders refunds create|approve|reject|show`: refunds without a return, through the Orders API as
 * the logged-in user. Customer service asks; above the rule set's threshold an approver decides.
 */
import { randomUUID } from 'node:crypto';
import { RMA_ID_PATTERN, formatMoney, formatZodError, freeTextSchema, type GoodwillView } from '../domain';
import { apiSession, callApi } from './api-session';
import { checkOrderId } from './context';
import { invalid } from './errors';
import { EXIT, clean, printJson } from './output';

function text(flag: string, value: string | undefined, optional = false): string | undefined {
  if (optional && value === undefined) return undefined;
  const parsed = freeTextSchema(500).safeParse(value);
  if (!parsed.success) throw invalid(formatZodError(parsed.error).replace(/^input:/, `${flag}:`));
  return parsed.data;
}

function checkRefundId(refundId: string, flag = 'refundId'): string {
  if (!RMA_ID_PATTERN.test(refundId)) throw invalid(`${flag}: must be 1-40 letters, digits, "_" or "-"`);
  return refundId;
}

function describe(v: GoodwillView): string {
  const money = (cents: number) => formatMoney({ amountCents: cents, currency: v.currency ?? 'USD' });
  const waiting = v.status === 'AwaitingApproval' ? `, waiting for ${v.approvers?.join(' or ') ?? 'an approver'}` : '';
  return [
    `Refund ${v.refundId} of order ${v.orderId}: ${v.status}${waiting}${v.note ? ` (${clean(v.note)})` : ''}`,
    `  ${money(v.amountCents)}${v.sku ? ` for ${clean(v.sku)}` : ''}, asked by ${clean(v.requestedBy)}: ${clean(v.reason)}`,
    ...(v.decidedBy ? [`  decided by ${clean(v.decidedBy)}`] : []),
    `  refunded ${money(v.refundedCents)}`,
  ].join('\n');
}

function print(view: GoodwillView, json: boolean | undefined): number {
  if (json) printJson({ refund: view });
  else console.log(describe(view));
  return EXIT.OK;
}

export async function createRefund(
  orderId: string,
  opts: { cents?: string; sku?: string; reason?: string; refundId?: string; json?: boolean },
): Promise<number> {
  checkOrderId(orderId);
  if (!opts.cents || !/^\d+$/.test(opts.cents) || Number(opts.cents) < 1)
    throw invalid('--cents: the amount in minor units, a whole number of at least 1 (e.g. 1250 for 12.50)');
  const body = {
    refundId: checkRefundId(opts.refundId ?? `gw-${randomUUID().slice(0, 13)}`, '--refund-id'),
    amountCents: Number(opts.cents),
    ...(opts.sku ? { sku: opts.sku } : {}),
    reason: text('--reason', opts.reason)!,
  };
  const view = await callApi<GoodwillView>(
    apiSession(),
    'POST',
    `/v1/orders/${encodeURIComponent(orderId)}/refunds`,
    body,
    {
      notFound: `order ${orderId} not found`,
    },
  );
  return print(view, opts.json);
}

export async function decideRefund(
  refundId: string,
  decision: 'approve' | 'reject',
  opts: { note?: string; reason?: string; json?: boolean },
): Promise<number> {
  checkRefundId(refundId);
  const body =
    decision === 'approve'
      ? { ...(opts.note !== undefined ? { note: text('--note', opts.note) } : {}) }
      : { reason: text('--reason', opts.reason) };
  const view = await callApi<GoodwillView>(
    apiSession(),
    'POST',
    `/v1/refunds/${encodeURIComponent(refundId)}/${decision}`,
    body,
    {
      notFound: `refund ${refundId} not found`,
    },
  );
  return print(view, opts.json);
}

export async function showRefund(refundId: string, opts: { json?: boolean }): Promise<number> {
  checkRefundId(refundId);
  const view = await callApi<GoodwillView>(
    apiSession(),
    'GET',
    `/v1/refunds/${encodeURIComponent(refundId)}`,
    undefined,
    {
      notFound: `refund ${refundId} not found`,
    },
  );
  return print(view, opts.json);
}
