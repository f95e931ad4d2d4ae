/** Shipping fees: the defaults, and the rule a rule set may change (rule-set.ts). Zod-free. */
export const FREE_STANDARD_SHIPPING_FROM_CENTS = 5_000;
export const STANDARD_SHIPPING_CENTS = 499;
export const EXPRESS_SHIPPING_CENTS = 1_499;

export interface ShippingFees {
  standardCents: number;
  expressCents: number;
  freeStandardFromCents: number;
}

export const DEFAULT_SHIPPING_FEES: ShippingFees = {
  standardCents: STANDARD_SHIPPING_CENTS,
  expressCents: EXPRESS_SHIPPING_CENTS,
  freeStandardFromCents: FREE_STANDARD_SHIPPING_FROM_CENTS,
};

export function shippingFeeCents(
  method: 'standard' | 'express',
  subtotalCents: number,
  fees: ShippingFees = DEFAULT_SHIPPING_FEES,
): number {
  if (method === 'express') return fees.expressCents;
  return subtotalCents >= fees.freeStandardFromCents ? 0 : fees.standardCents;
}
