/**
 * The sandbox carrier's booking desk: book a parcel run for a shipment, cancel it before pickup.
 * A booking is keyed by the idempotency key the caller sends, so a retried booking answers the same
 * carrier reference; a cancel is idempotent by itself (cancelling a cancelled booking answers the same). Served over HTTP by src/providers/sandbox/carrier-api.ts
 * (CARRIER_PROVIDER=http, npm start), or called in-process by the shipping activities.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Pool } from 'pg';
import { ERROR_TYPES } from '../../domain';
import type { CarrierProvider } from '../carrier';

export interface SandboxCarrierOptions {
  /**
   * Warehouses the sandbox carrier does not collect from (SANDBOX_CARRIER_REFUSE_FROM): their
   * bookings are refused (ShippingUnavailable), after `refuseAfterMs`, so an order's other parcels
   * may leave first. To try partial failures; empty by default.
   */
  refuseFrom?: readonly string[];
  refuseAfterMs?: number;
}

export function createSandboxCarrier(pool: Pool, opts: SandboxCarrierOptions = {}): CarrierProvider {
  return {
    async book({ shipmentId, country, parcels, from, idempotencyKey }) {
      if (from !== undefined && opts.refuseFrom?.includes(from)) {
        await new Promise((resolve) => setTimeout(resolve, opts.refuseAfterMs ?? 0));
        throw ApplicationFailure.nonRetryable(
          `sandbox carrier: no collection from ${from}`,
          ERROR_TYPES.ShippingUnavailable,
        );
      }
      const carrierRef = `SBX-${shipmentId}`;
      const { rows } = await pool.query<{ carrier_ref: string; shipment_id: string }>(
        `INSERT INTO sandbox_carrier_bookings (idempotency_key, carrier_ref, shipment_id, country, parcels)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (idempotency_key) DO UPDATE SET idempotency_key = EXCLUDED.idempotency_key
         RETURNING carrier_ref, shipment_id`,
        [idempotencyKey, carrierRef, shipmentId, country, parcels],
      );
      if (rows[0]!.shipment_id !== shipmentId)
        throw ApplicationFailure.nonRetryable(
          `idempotency key ${idempotencyKey} was used for another shipment`,
          ERROR_TYPES.InvalidInput,
        );
      return { carrierRef: rows[0]!.carrier_ref };
    },
    async cancel({ carrierRef }) {
      const { rowCount } = await pool.query(
        `UPDATE sandbox_carrier_bookings SET status = 'CANCELLED', cancelled_at = COALESCE(cancelled_at, now())
         WHERE carrier_ref = $1`,
        [carrierRef],
      );
      if (!rowCount) throw ApplicationFailure.nonRetryable(`no booking ${carrierRef}`, ERROR_TYPES.InvalidInput);
      return { cancelled: true };
    },
  };
}
