/**
 * Invariants that hold our records against someone else's (issue 26): the payment ledger against
 * the provider's own records, our shipments against the carrier's bookings, the stock that left
 * against the parcels that left; every flagged order names why; and a catalog changed by SQL
 * mid-run reaches new orders within a moment.
 */
import type { OrderOutcome } from './drive';
import type { Db, FinalOrder, InvariantResult } from './invariants';
import { CATALOG_FRESH_MS, CHANGED_BOOK_PRICE_CENTS, type CatalogChange } from './operations';

const ids = (orders: readonly FinalOrder[]) => orders.map((o) => o.orderId);
const settledUnflagged = (orders: readonly FinalOrder[]) => orders.filter((o) => o.status && !o.needsAttention);

/** Every approved ledger row that reached the provider is there with its amount, and the provider holds nothing we do not. */
export async function checkLedgerMatchesProvider(db: Db, orders: readonly FinalOrder[]): Promise<InvariantResult> {
  const done = settledUnflagged(orders);
  const { rows } = await db.query<{ key: string; ours: string | null; theirs: string | null }>(
    `SELECT coalesce(p.idempotency_key, s.idempotency_key) AS key, p.amount_cents AS ours, s.amount_cents AS theirs
     FROM (SELECT * FROM payment_operations WHERE order_id = ANY($1::text[]) AND status = 'approved'
             AND provider_ref IS NOT NULL) p
     FULL JOIN (SELECT * FROM sandbox_payments WHERE order_id = ANY($1::text[]) AND status = 'approved') s
       ON s.idempotency_key = p.idempotency_key
     WHERE p.amount_cents IS DISTINCT FROM s.amount_cents`,
    [ids(done)],
  );
  return {
    name: 'ledger = provider records',
    description: 'each approved operation is in our ledger and at the provider, with the same amount',
    checked: done.length,
    violations: rows.map((r) => `${r.key}: ours ${r.ours ?? 'none'}, provider's ${r.theirs ?? 'none'}`),
  };
}

/** A shipment cancelled here is cancelled at the carrier, and a booking live there is a shipment on its way here. */
export async function checkShipmentsMatchCarrier(db: Db, orders: readonly FinalOrder[]): Promise<InvariantResult> {
  const done = settledUnflagged(orders);
  const { rows } = await db.query<{ shipment_id: string; ours: string; theirs: string }>(
    `SELECT s.shipment_id, s.status AS ours, b.status AS theirs
     FROM shipments s JOIN sandbox_carrier_bookings b ON b.carrier_ref = s.carrier_ref
     WHERE s.order_id = ANY($1::text[]) AND (s.status = 'CANCELLED') <> (b.status = 'CANCELLED')`,
    [ids(done)],
  );
  return {
    name: 'shipments = carrier bookings',
    description: 'a shipment is CANCELLED here exactly when its booking is cancelled at the carrier',
    checked: done.length,
    violations: rows.map((r) => `${r.shipment_id}: ours ${r.ours}, carrier's ${r.theirs}`),
  };
}

/** The units that left the warehouse (confirmed) are the units of the parcels that left, per order. */
export async function checkStockLeftWithParcels(db: Db, orders: readonly FinalOrder[]): Promise<InvariantResult> {
  const done = settledUnflagged(orders);
  const { rows } = await db.query<{ order_id: string; confirmed: number; shipped: number }>(
    `SELECT o.id AS order_id,
            (SELECT coalesce(sum(quantity), 0)::int FROM reservation_lines
              WHERE order_id = o.id AND outcome = 'CONFIRMED') AS confirmed,
            (SELECT coalesce(sum(l.quantity), 0)::int FROM shipments s JOIN shipment_lines l USING (shipment_id)
              WHERE s.order_id = o.id AND s.rma_id IS NULL AND s.status IN ('PICKED_UP', 'IN_TRANSIT', 'DELIVERED')) AS shipped
     FROM unnest($1::text[]) AS o(id)`,
    [ids(done)],
  );
  return {
    name: 'stock left = parcels left',
    description: 'per order, units confirmed out of stock = units in parcels the carrier picked up',
    checked: done.length,
    violations: rows
      .filter((r) => r.confirmed !== r.shipped)
      .map((r) => `${r.order_id}: ${r.confirmed} units confirmed, ${r.shipped} in parcels that left`),
  };
}

/** Money may stay unsettled only while an order is flagged, and a flag says why. */
export function checkFlaggedSayWhy(orders: readonly FinalOrder[]): InvariantResult {
  const flagged = orders.filter((o) => o.needsAttention);
  return {
    name: 'flagged orders say why',
    description: 'every NeedsAttention order names its reason (every order looked at)',
    checked: orders.length,
    violations: flagged.filter((o) => !o.attentionReason?.trim()).map((o) => `${o.orderId}: flagged without a reason`),
  };
}

/** Orders placed a moment after the SQL change know the new SKU and the new price. */
export async function checkCatalogChange(
  db: Db,
  outcomes: readonly OrderOutcome[],
  change: CatalogChange | undefined,
): Promise<InvariantResult> {
  const after = change ? outcomes.filter((o) => o.placed && (o.placedAt ?? 0) >= change.at + CATALOG_FRESH_MS) : [];
  const { rows } = await db.query<{ order_id: string; sku: string; unit_price_cents: string }>(
    `SELECT order_id, sku, unit_price_cents FROM order_lines WHERE order_id = ANY($1::text[]) AND sku = 'CHAOS-BOOK'`,
    [after.map((o) => o.orderId)],
  );
  const violations = [
    ...after
      .filter((o) => o.plan.newSku && o.view?.failureReason === 'unknown-sku')
      .map((o) => `${o.orderId}: ${change!.newSku} refused as unknown after it was added`),
    ...rows
      .filter((r) => Number(r.unit_price_cents) !== CHANGED_BOOK_PRICE_CENTS)
      .map((r) => `${r.order_id}: CHAOS-BOOK priced ${r.unit_price_cents}, not ${CHANGED_BOOK_PRICE_CENTS}`),
  ];
  return {
    name: 'catalog changed by SQL',
    description: `orders placed ${CATALOG_FRESH_MS / 1000} s after it know the new SKU and price`,
    checked: after.length,
    violations,
  };
}
