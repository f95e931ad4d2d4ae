import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '../../../src/db/pool';

/**
 * The order's point of no return (migrations/0005_order_gates.sql). A cancellation and the first
 * pickup of a parcel can arrive at the same moment from two workflows (the order and one of its
 * shipments); the gate row, locked by both, makes exactly one of them win.
 */
async function lockGate(db: PoolClient, orderId: string) {
  await db.query('INSERT INTO order_gates (order_id) VALUES ($1) ON CONFLICT (order_id) DO NOTHING', [orderId]);
  const { rows } = await db.query<{ cancel_granted_at: Date | null; first_pickup_at: Date | null }>(
    'SELECT cancel_granted_at, first_pickup_at FROM order_gates WHERE order_id = $1 FOR UPDATE',
    [orderId],
  );
  return rows[0]!;
}

/** Granted (and remembered, so a retry is granted again) unless a parcel has left. */
export function claimCancellation(pool: Pool, orderId: string): Promise<{ granted: boolean; reason?: string }> {
  return inTransaction(pool, async (db) => {
    const gate = await lockGate(db, orderId);
    if (gate.first_pickup_at)
      return {
        granted: false,
        reason: `a parcel of order ${orderId} was picked up at ${gate.first_pickup_at.toISOString()}`,
      };
    if (!gate.cancel_granted_at)
      await db.query('UPDATE order_gates SET cancel_granted_at = now() WHERE order_id = $1', [orderId]);
    return { granted: true };
  });
}

/** Inside the pickup's transaction: false when a cancellation was granted first (the parcel stays). */
export async function passPointOfNoReturn(db: PoolClient, orderId: string): Promise<boolean> {
  const gate = await lockGate(db, orderId);
  if (gate.cancel_granted_at) return false;
  if (!gate.first_pickup_at)
    await db.query('UPDATE order_gates SET first_pickup_at = now() WHERE order_id = $1', [orderId]);
  return true;
}
