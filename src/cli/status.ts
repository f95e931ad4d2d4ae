/** `orders status <orderId>`: the order as its workflow sees it, with its Web UI link. */
import { isTerminal, orderWorkflowId, parcelFollower, type HistoryEntry, type OrderView } from '../domain';
import { withContext, readOrder, type OrderSnapshot } from './context';
import { EXIT, clean, formatAmount, printJson, table } from './output';
import type { StatusJson, ViewJson } from './schemas';

export function toStatusJson({ view, execution }: OrderSnapshot, url: string): StatusJson {
  return {
    ...toViewJson(view, url),
    workflowId: execution.workflowId,
    runId: execution.runId,
    workflowStatus: execution.status.name,
    url,
  };
}

/** The order as its view tells it (what the Orders API answers a decision with): no run details. */
export function toViewJson(view: OrderView, url: string): ViewJson {
  return {
    orderId: view.orderId,
    customerId: view.customerId,
    status: view.status,
    terminal: isTerminal(view.status),
    currency: view.currency ?? null,
    subtotalCents: view.subtotalCents,
    shippingCents: view.shippingCents,
    totalCents: view.totalCents,
    needsApproval: view.needsApproval,
    approval: view.approval ?? null,
    items: view.lines.map((l) => ({
      sku: l.sku,
      name: l.name,
      quantity: l.quantity,
      unitPriceCents: l.unitPriceCents,
      lineTotalCents: l.lineTotalCents,
      productType: l.productType ?? 'physical', // views of orders from before product types
      ...(l.releaseAt ? { releaseAt: l.releaseAt } : {}),
    })),
    payment: { ...view.payment },
    shipments: view.shipments.map((s) => ({
      shipmentId: s.shipmentId,
      // The workflow that follows the parcel: its shipment child, or (v0.8) the order itself.
      workflowId: parcelFollower(s).workflowId,
      followedByOrder: s.followedBy !== undefined,
      warehouseId: s.warehouseId,
      status: s.status,
      lines: s.lines.map((l) => ({ sku: l.sku, warehouseId: l.warehouseId, quantity: l.quantity })),
    })),
    history: view.history.map((h) => ({ status: h.status, at: h.at, ...(h.note ? { note: h.note } : {}) })),
    failureReason: view.failureReason ?? null,
    pointOfNoReturn: view.pointOfNoReturn ?? null,
    needsAttention: view.needsAttention ?? null,
    rulesVersion: view.rulesVersion ?? null,
    plans: view.plans ?? [],
    awaitingRelease: view.awaitingRelease ?? null,
    backorder: view.backorder ?? null,
    issued: view.issued ?? { licences: 0, giftCodes: 0 },
    workflowId: orderWorkflowId(view.orderId),
    url,
  };
}

function when(at: string): string {
  const d = new Date(at);
  return Number.isNaN(d.getTime()) ? at : d.toISOString().replace('T', ' ').slice(0, 23);
}

/** One history line: '2025-01-01 12:00:00.123  PaymentPending  note'. */
export function historyLine(h: HistoryEntry): string {
  return `${when(h.at)}  ${h.status.padEnd(17)}${h.note ? `  ${clean(h.note)}` : ''}`.trimEnd();
}

/** The one-line summary of an order a human sees everywhere, link included. */
export function orderLine(view: OrderView, url: string): string {
  const total = view.currency ? `  ${formatAmount(view.totalCents, view.currency)}` : '';
  const reason = view.failureReason ? ` (${view.failureReason})` : '';
  return `order ${view.orderId}  ${view.status}${reason}${total}  ${url}`;
}

export function formatStatus(json: StatusJson): string {
  const money = (cents: number) => formatAmount(cents, json.currency);
  const out: string[] = [];
  const reason = json.failureReason ? ` (${json.failureReason})` : '';
  out.push(`Order ${json.orderId}  ${json.status}${reason}  ${json.url}`);
  out.push(`  customer   ${clean(json.customerId)}`);
  out.push(`  workflow   ${json.workflowId} (${json.workflowStatus})`);
  if (json.needsAttention)
    out.push(`  ATTENTION  ${clean(json.needsAttention.reason)} (since ${when(json.needsAttention.since)})`);
  if (json.pointOfNoReturn)
    out.push(`  shipped    a parcel left at ${when(json.pointOfNoReturn)}: no longer cancellable`);
  if (json.currency) {
    out.push(
      `  total      ${money(json.totalCents)} (subtotal ${money(json.subtotalCents)}, shipping ${money(json.shippingCents)})`,
    );
  } else {
    out.push('  total      not priced yet');
  }
  if (json.needsApproval || json.approval) {
    const a = json.approval;
    const decision = a
      ? `${a.decision}${a.by ? ` by ${clean(a.by)}` : ''}${a.identity ? ` (client ${clean(a.identity)})` : ''}${a.note ? `: ${clean(a.note)}` : ''}`
      : 'waiting for an approver';
    out.push(`  approval   ${decision}`);
  }
  const p = json.payment;
  out.push(
    `  payment    ${p.status}: authorized ${money(p.authorizedCents)}, captured ${money(p.capturedCents)}, refunded ${money(p.refundedCents)}`,
  );
  if (json.rulesVersion !== null) out.push(`  rules      version ${json.rulesVersion}`);
  if (json.plans.length > 0)
    out.push(`  plans      ${json.plans.map((x) => `${x.productType} v${x.version}`).join(', ')}`);
  if (json.awaitingRelease) out.push(`  release    waiting until ${when(json.awaitingRelease)}`);
  if (json.backorder)
    out.push(`  backorder  waiting for ${json.backorder.skus.join(', ')} until ${when(json.backorder.until)}`);
  if (json.issued.licences + json.issued.giftCodes > 0)
    out.push(`  issued     ${json.issued.licences} licence key(s), ${json.issued.giftCodes} gift code(s)`);
  if (json.items.length > 0) {
    out.push('', 'Items');
    out.push(
      indent(
        table(
          ['SKU', 'NAME', 'TYPE', 'QTY', 'UNIT', 'TOTAL'],
          json.items.map((l) => [
            l.sku,
            l.name,
            l.productType,
            String(l.quantity),
            money(l.unitPriceCents),
            money(l.lineTotalCents),
          ]),
        ),
      ),
    );
  }
  if (json.shipments.length > 0) {
    out.push('', 'Shipments');
    out.push(
      indent(
        table(
          ['SHIPMENT', 'WAREHOUSE', 'STATUS', 'ITEMS', 'FOLLOWED BY'],
          json.shipments.map((s) => [
            s.shipmentId,
            s.warehouseId,
            s.status,
            s.lines.map((l) => `${l.sku} x${l.quantity}`).join(', '),
            s.followedByOrder ? 'the order itself' : s.workflowId,
          ]),
        ),
      ),
    );
  }
  out.push('', 'History');
  for (const h of json.history) out.push(`  ${historyLine(h)}`);
  return out.join('\n');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

export async function status(orderId: string, opts: { json?: boolean }): Promise<number> {
  return withContext(async (ctx) => {
    const snapshot = await readOrder(ctx.client, orderId);
    const json = toStatusJson(snapshot, ctx.orderUrl(snapshot.view.orderId));
    if (opts.json) printJson(json);
    else console.log(formatStatus(json));
    return EXIT.OK;
  });
}
