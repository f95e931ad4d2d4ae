/**
 * Settling an order after a parcel left (it failed, or its run was stopped, past the point of no
 * return): what was delivered stays paid, what will not be is refunded. Pure, so the order workflow
 * and the recovery workflow compute the same amount from the same facts.
 */
import type { PricedLineDto, ReservedLine } from './contracts';

/** Shipment statuses (the shipping service's table) that mean the carrier has the parcel. */
export const LEFT_THE_WAREHOUSE: readonly string[] = ['PICKED_UP', 'IN_TRANSIT', 'DELIVERED'];

export interface SettlementFacts {
  /** The order's priced lines (one per SKU). */
  lines: readonly PricedLineDto[];
  /** Reserved units that left with a parcel (confirmed). */
  shipped: readonly ReservedLine[];
  /** SKUs of lines issued without travelling (licence keys, gift codes). */
  issuedSkus: readonly string[];
}

/**
 * The value of what will not reach the customer: units of goods that travel and did not leave,
 * and lines of goods that do not travel that were never issued. Shipping stays paid (a parcel went).
 */
export function undeliveredCents({ lines, shipped, issuedSkus }: SettlementFacts): number {
  let cents = 0;
  for (const line of lines) {
    const travels = line.productType === 'physical' || line.productType === 'preorder';
    if (!travels) {
      if (!issuedSkus.includes(line.sku)) cents += line.lineTotalCents;
      continue;
    }
    const left = shipped.filter((s) => s.sku === line.sku).reduce((sum, s) => sum + s.quantity, 0);
    cents += Math.max(0, line.quantity - left) * line.unitPriceCents;
  }
  return cents;
}
