/**
 * Partial cancellation (issue 29): lines taken out of a running order before its payment is
 * captured. Pure: the order workflow reprices what is left with the fees it was priced under.
 */
import type { PricedLineDto } from './contracts';
import { isShippable } from './plans';
import { shippingFeeCents, type ShippingFees } from './shipping-fees';

/** Product types whose lines may be taken out: goods that wait in a warehouse (nothing issued yet). */
export const REMOVABLE_TYPES: readonly string[] = ['physical', 'preorder'];

/**
 * The order's totals over the `kept` lines, shipping charged on what travels, as pricing does
 * (src/domain/order.ts), but never more than the order's shipping was: taking a line out must not
 * cost the customer more (a subtotal falling under free shipping), nor the capture exceed the
 * authorization.
 */
export function totalsOf(
  kept: readonly PricedLineDto[],
  method: 'standard' | 'express',
  fees: ShippingFees,
  shippingWasCents: number,
): { subtotalCents: number; shippingCents: number; totalCents: number } {
  const subtotalCents = kept.reduce((sum, l) => sum + l.lineTotalCents, 0);
  const shippable = kept.filter((l) => isShippable(l.productType));
  const shippableCents = shippable.reduce((sum, l) => sum + l.lineTotalCents, 0);
  const repriced = shippable.length > 0 ? shippingFeeCents(method, shippableCents, fees) : 0;
  const shippingCents = Math.min(repriced, shippingWasCents);
  return { subtotalCents, shippingCents, totalCents: subtotalCents + shippingCents };
}
