/**
 * `orders returns request|inspect|show`: returns through the Orders API as the logged-in user
 * (customer service asks, the warehouse inspects). The API checks the request against what the
 * order delivered; its refusal (exit 2) names the line and the rule.
 */
import { randomUUID } from 'node:crypto';
import {
  RETURN_CONDITIONS,
  RMA_ID_PATTERN,
  formatMoney,
  formatZodError,
  freeTextSchema,
  type ReturnCondition,
  type ReturnView,
} from '../domain';
import { apiSession, callApi } from './api-session';
import { checkOrderId } from './context';
import { invalid } from './errors';
import { EXIT, clean, printJson } from './output';
import { parseItem } from './place';

function checkRmaId(rmaId: string, flag = 'rmaId'): string {
  if (!RMA_ID_PATTERN.test(rmaId)) throw invalid(`${flag}: must be 1-40 letters, digits, "_" or "-"`);
  return rmaId;
}

function checkReason(reason: string | undefined): string {
  const parsed = freeTextSchema(500).safeParse(reason);
  if (!parsed.success) throw invalid(formatZodError(parsed.error).replace(/^input:/, '--reason:'));
  return parsed.data;
}

/** 'SKU:QTY' lines of a return (the same form as `orders place --item`). */
function parseLines(specs: string[] | undefined): Array<{ sku: string; quantity: number }> {
  if (!specs?.length) throw invalid('--line: a return needs at least one line, e.g. --line KB-001:1');
  return specs.map((spec, i) => {
    const { sku, quantity } = parseItem(spec, i);
    if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity < 1)
      throw invalid(`lines.${i} (--line): the quantity must be a whole number of at least 1`);
    return { sku, quantity };
  });
}

/** 'SKU:ACCEPTED:CONDITION[:NOTE]' verdicts of an inspection. */
function parseVerdicts(specs: string[] | undefined) {
  if (!specs?.length) throw invalid('--line: give a verdict per line, e.g. --line KB-001:1:resellable');
  return specs.map((spec, i) => {
    const [sku, accepted, condition, ...note] = spec.split(':');
    if (!sku || !accepted || !/^\d+$/.test(accepted) || !condition)
      throw invalid(`lines.${i} (--line): expected SKU:ACCEPTED:CONDITION[:NOTE], e.g. KB-001:1:damaged:"cracked"`);
    if (!(RETURN_CONDITIONS as readonly string[]).includes(condition))
      throw invalid(`lines.${i} (--line): condition must be ${RETURN_CONDITIONS.join(' or ')}`);
    const text = note.join(':').trim();
    return {
      sku,
      accepted: Number(accepted),
      condition: condition as ReturnCondition,
      ...(text ? { note: text } : {}),
    };
  });
}

function describe(view: ReturnView): string {
  const money = (cents: number) => formatMoney({ amountCents: cents, currency: view.currency ?? 'USD' });
  const lines = view.lines.map(
    (l) =>
      `  ${clean(l.sku)} × ${l.quantity}${l.accepted !== undefined ? `: ${l.accepted} accepted, ${l.condition}` : ''}`,
  );
  return [
    `Return ${view.rmaId} of order ${view.orderId}: ${view.status}${view.note ? ` (${clean(view.note)})` : ''}`,
    ...lines,
    ...(view.parcelDueAt ? [`  the parcel is due by ${view.parcelDueAt}`] : []),
    `  refunded ${money(view.refundedCents)}`,
  ].join('\n');
}

function print(view: ReturnView, json: boolean | undefined): number {
  if (json) printJson({ return: view });
  else console.log(describe(view));
  return EXIT.OK;
}

export async function requestReturn(
  orderId: string,
  opts: { line?: string[]; reason?: string; rmaId?: string; json?: boolean },
): Promise<number> {
  checkOrderId(orderId);
  const body = {
    rmaId: checkRmaId(opts.rmaId ?? `rma-${randomUUID().slice(0, 13)}`, '--rma-id'),
    lines: parseLines(opts.line),
    reason: checkReason(opts.reason),
  };
  const view = await callApi<ReturnView>(
    apiSession(),
    'POST',
    `/v1/orders/${encodeURIComponent(orderId)}/returns`,
    body,
    {
      notFound: `order ${orderId} not found`,
    },
  );
  return print(view, opts.json);
}

export async function inspectReturn(rmaId: string, opts: { line?: string[]; json?: boolean }): Promise<number> {
  checkRmaId(rmaId);
  const view = await callApi<ReturnView>(
    apiSession(),
    'POST',
    `/v1/returns/${encodeURIComponent(rmaId)}/inspect`,
    { lines: parseVerdicts(opts.line) },
    { notFound: `return ${rmaId} not found` },
  );
  return print(view, opts.json);
}

export async function showReturn(rmaId: string, opts: { json?: boolean }): Promise<number> {
  checkRmaId(rmaId);
  const view = await callApi<ReturnView>(apiSession(), 'GET', `/v1/returns/${encodeURIComponent(rmaId)}`, undefined, {
    notFound: `return ${rmaId} not found`,
  });
  return print(view, opts.json);
}
