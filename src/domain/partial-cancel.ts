/**
 * Partial cancellation (issue 29): lines taken out of a running order before its payment is
 * captured. Pure: the order workflow reprices what is left with the fees it was priced under.
 */
import type { PricedLineDto } from './contracts';
import { isShippable } from './plans';
import { shippingFeeCents, type ShippingFees } from './shipping-fees';

/** Product types whose lines may be taken out: goods that wait in a warehouse (nothing issued yet). */
export const REMOVABLE_TYPES: readonly string[] = ['physical', 'preorder'];

/** The order's totals over `lines`, shipping charged on what travels, as pricing does (src/domain/order.ts). */
export function totalsOf(
  lines: readonly PricedLineDto[],
  method: 'standard' | 'express',
  fees: ShippingFees,
): { subtotalCents: number; shippingCents: number; totalCents: number } {
  const subtotalCents = lines.reduce((sum, l) => sum + l.lineTotalCents, 0);
  const shippable = lines.filter((l) => isShippable(l.productType));
  const shippableCents = shippable.reduce((sum, l) => sum + l.lineTotalCents, 0);
  const shippingCents = shippable.length > 0 ? shippingFeeCents(method, shippableCents, fees) : 0;
  return { subtotalCents, shippingCents, totalCents: subtotalCents + shippingCents };
}
