import { CancellationScope } from '@temporalio/workflow';
import { DEFAULT_SHIPPING_FEES, REMOVABLE_TYPES, totalsOf, type CancelLinesInput } from '../src/domain/deterministic';
import { whyNotSigned } from './signed-decisions';
import type { OrderRun } from './order-run';

/**
 * Partial cancellation (the `cancel-lines` Update): lines taken out of a running order while its
 * payment is not yet captured. Their stock goes back, the totals are repriced with the fees the
 * order was priced under, and the capture takes what is left (the authorization's rest lapses, as
 * providers release an authorization's uncaptured part). Once the capture has started, or a parcel
 * left, it is refused with the reason: after delivery, lines come back as returns.
 */
export function whyNotCancelLines(run: OrderRun, input: CancelLinesInput | undefined): string | undefined {
  const { view, orderId } = run;
  const skus = input?.skus;
  if (!Array.isArray(skus) || skus.length === 0 || skus.some((s) => typeof s !== 'string'))
    return 'skus: name the lines to take out';
  if (typeof input?.reason !== 'string' || input.reason.trim() === '') return 'reason: say why';
  if (view.pointOfNoReturn)
    return `order ${orderId} has a parcel with the carrier since ${view.pointOfNoReturn}: its lines can no longer be taken out (return them after delivery)`;
  if (run.cancelRequest || run.compensating) return `order ${orderId} is being cancelled`;
  if (run.capturing || view.payment.status === 'captured')
    return `order ${orderId}'s payment is captured: its lines can no longer be taken out (cancel the order, or return them after delivery)`;
  if (run.adjusting) return `lines of order ${orderId} are being taken out already: try again in a moment`;
  if (!run.reservedLines)
    return `order ${orderId} is ${view.status}: lines can be taken out once its stock is reserved`;
  for (const sku of skus) {
    const line = run.orderLines.find((l) => l.sku === sku);
    if (!line) return `skus: ${sku} is not a line of order ${orderId}`;
    if (!REMOVABLE_TYPES.includes(line.productType))
      return `skus: ${sku} is ${line.productType}: only goods waiting in a warehouse can be taken out`;
  }
  if (run.orderLines.every((l) => skus.includes(l.sku))) return 'skus: that is every line: cancel the order instead';
  return undefined;
}

/** The signed request, then the stock, the read model and the view; why it was refused, if it was. */
export async function cancelLines(run: OrderRun, input: CancelLinesInput): Promise<string | undefined> {
  const why = (await whyNotSigned(run, 'cancel-lines', input)) ?? whyNotCancelLines(run, input);
  if (why) return why;
  const { orderId, acts, view } = run;
  const by = input.proof!.by;
  const skus = [...new Set(input.skus)];
  const kept = run.orderLines.filter((l) => !skus.includes(l.sku));
  // Runs from before rule sets pinned no fees: they were priced with the defaults.
  const pinned = run.policy?.rules as { rules: { shipping: typeof DEFAULT_SHIPPING_FEES } } | undefined;
  const totals = totalsOf(
    kept,
    run.input.order.shippingMethod ?? 'standard',
    pinned?.rules.shipping ?? DEFAULT_SHIPPING_FEES,
    view.shippingCents ?? 0,
  );
  run.adjusting = true;
  try {
    await CancellationScope.nonCancellable(async () => {
      await acts.releaseLines({ orderId, skus });
      await acts.removeOrderLines({ orderId, skus, by, reason: input.reason, ...totals });
    });
    run.dropLines(skus, totals);
    run.state.note(
      `lines removed by ${by}: ${[...skus].sort().join(', ')} (${input.reason}); total now ${view.totalCents}`,
    );
  } finally {
    run.adjusting = false;
  }
  return undefined;
}
