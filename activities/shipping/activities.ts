import { ApplicationFailure, Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '../../src/db/pool';
import {
  AddressSchema,
  CARRIER_EVENTS,
  ERROR_TYPES,
  formatZodError,
  type CarrierEventMessage,
  type CarrierEventType,
  type InboundCarrierEvent,
  carrierMessage,
  orderWorkflowId,
  parcelFollower,
  returnShipmentId,
  type ShipmentProgress,
  type ShippingActivities,
} from '../../src/domain';
import { logger } from '../../src/logger';
import { createSandboxCarrier, type SandboxCarrierOptions } from '../../src/providers/sandbox/carrier';
import { type CarrierProvider } from '../../src/providers/carrier';
import type { SandboxCarrierDelivery, SandboxCarrierRuns } from '../../src/providers/sandbox/carrier-runs';
import { passPointOfNoReturn } from '../orders/store/gate';
import { reportPickup } from '../orders/store/read-model';

/** Countries the (sandbox) carrier does not serve: booking there fails with ShippingUnavailable. */
export const UNSERVED_COUNTRIES: ReadonlySet<string> = new Set(['AQ']);

const STATUS_OF_EVENT: Record<CarrierEventType, string> = {
  'picked-up': 'PICKED_UP',
  'in-transit': 'IN_TRANSIT',
  delivered: 'DELIVERED',
};
/** Shipment statuses in their forward order; CANCELLED is apart (only reachable from BOOKED). */
const PROGRESS = ['BOOKED', 'PICKED_UP', 'IN_TRANSIT', 'DELIVERED'];

export interface ShippingDeps {
  /** Delivers a carrier event to the shipment workflow (signal `carrierEvent`). */
  signalShipment(workflowId: string, message: CarrierEventMessage): Promise<void>;
  /**
   * With a broker: the sandbox carrier sends its updates to the `carrier.events` queue (as a real
   * carrier's integration would) and the carrier inbox records and signals them.
   */
  publishCarrierEvent?: (event: InboundCarrierEvent) => Promise<void>;
  /** The carrier's booking desk: over HTTP behind its resilience policy (default: the sandbox in-process). */
  carrier?: CarrierProvider;
  /**
   * Tells an order how its parcel is doing (signal `shipmentProgress`): the booking tells it Booked,
   * the recorded pickup tells it picked-up. An order that has closed needs no report: not an error.
   */
  reportToOrder: (orderWorkflowId: string, progress: ShipmentProgress) => Promise<void>;
  /** The in-process sandbox carrier's options (when `carrier` is not given). */
  sandboxCarrier?: SandboxCarrierOptions;
  /** The sandbox carrier's parcel runs (v0.4, carrier-sandbox-runs.ts): bookings with `sandboxTransitMs` go here. */
  sandboxCarrierRuns?: Pick<SandboxCarrierRuns, 'schedule'>;
}

/**
 * Whether a shipment's row has reached a carrier event (or gone past it): how an order checks a
 * `shipmentProgress` that would move a milestone before believing it. Read-only, so the orders
 * worker runs it as a local activity (one marker event, no task-queue round trip).
 */
export function shipmentReachedIn(pool: Pool): ShippingActivities['shipmentReached'] {
  return async ({ shipmentId, event }) => {
    const { rows } = await pool.query<{ status: string }>('SELECT status FROM shipments WHERE shipment_id = $1', [
      shipmentId,
    ]);
    const at = PROGRESS.indexOf(rows[0]?.status ?? '');
    return { reached: at >= 0 && at >= PROGRESS.indexOf(STATUS_OF_EVENT[event]) };
  };
}

function invalidAddress(detail: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`invalid address: ${detail}`, ERROR_TYPES.InvalidAddress);
}

/**
 * What our table already says of a shipment: its booking (a retry gets the same answer), a refusal
 * when it was cancelled before it was booked or belongs to another order, or undefined when unknown.
 */
async function existingShipment(
  pool: Pool,
  shipmentId: string,
  orderId: string,
): Promise<{ carrierRef: string; reached?: CarrierEventType } | undefined> {
  const { rows } = await pool.query<{ order_id: string | null; carrier_ref: string | null; status: string }>(
    'SELECT order_id, carrier_ref, status FROM shipments WHERE shipment_id = $1',
    [shipmentId],
  );
  const existing = rows[0];
  if (!existing) return undefined;
  if (existing.order_id === null || existing.carrier_ref === null) {
    // An empty cancel: the shipment was cancelled before this (late) booking attempt.
    throw ApplicationFailure.nonRetryable(
      `shipment ${shipmentId} was cancelled before it was booked`,
      ERROR_TYPES.IllegalTransition,
    );
  }
  if (existing.order_id !== orderId)
    throw ApplicationFailure.nonRetryable(`shipment ${shipmentId} belongs to another order`, ERROR_TYPES.InvalidInput);
  const reached = CARRIER_EVENTS.filter((event) => STATUS_OF_EVENT[event] === existing.status)[0];
  return { carrierRef: existing.carrier_ref, ...(reached ? { reached } : {}) };
}

/**
 * Syntactic and postal checks of a shipping address: no I/O, so the orders worker also runs it as
 * a local activity (v0.3 orders; docs/choices.md). Carrier coverage is checked at booking.
 */
export async function validateAddress({
  address,
}: Parameters<ShippingActivities['validateAddress']>[0]): Promise<{ ok: true }> {
  // The domain schema checks every field (names only in messages, never values).
  const parsed = AddressSchema.safeParse(address);
  if (!parsed.success) throw invalidAddress(formatZodError(parsed.error));
  if (!/[A-Za-z0-9]/.test(parsed.data.postalCode)) throw invalidAddress('postalCode: must contain a letter or a digit');
  return { ok: true };
}

/**
 * Books with the carrier and records the booking; a retry, or a shipment cancelled before it was
 * booked, is answered from our table.
 */
function bookWith(pool: Pool, carrier: CarrierProvider) {
  return async ({
    orderId,
    shipmentId,
    warehouseId,
    lines,
    address,
    method,
    followedBy,
  }: Parameters<ShippingActivities['bookShipment']>[0]): Promise<{ carrierRef: string }> => {
    if (typeof address?.country !== 'string' || !/^[A-Z]{2}$/.test(address.country)) {
      throw invalidAddress('country: must be an ISO 3166-1 alpha-2 code');
    }
    if (UNSERVED_COUNTRIES.has(address.country)) {
      throw ApplicationFailure.nonRetryable(
        `carrier does not serve ${address.country}`,
        ERROR_TYPES.ShippingUnavailable,
      );
    }
    if (!Array.isArray(lines) || lines.length === 0) {
      throw ApplicationFailure.nonRetryable(`shipment ${shipmentId}: no lines to ship`, ERROR_TYPES.InvalidInput);
    }
    const foreign = lines.filter((l) => l.warehouseId !== warehouseId);
    if (foreign.length > 0) {
      throw ApplicationFailure.nonRetryable(
        `shipment ${shipmentId} ships from ${warehouseId} but has lines from ${[...new Set(foreign.map((l) => l.warehouseId))].join(', ')}`,
        ERROR_TYPES.InvalidInput,
      );
    }
    const perSku = new Map<string, number>();
    for (const l of lines) perSku.set(l.sku, (perSku.get(l.sku) ?? 0) + l.quantity);
    // A retry of a booking we recorded, or a shipment cancelled before it was booked: answered
    // from our table, the carrier is not asked again.
    const known = await existingShipment(pool, shipmentId, orderId);
    if (known) return known;
    const { carrierRef } = await carrier.book({
      shipmentId,
      country: address.country,
      parcels: perSku.size,
      from: warehouseId,
      idempotencyKey: `${shipmentId}:book`,
    });

    const recorded = await inTransaction(pool, async (db) => {
      const inserted = await db.query(
        `INSERT INTO shipments (shipment_id, order_id, warehouse_id, status, carrier_ref, country, method, followed_by)
         VALUES ($1, $2, $3, 'BOOKED', $4, $5, $6, $7) ON CONFLICT (shipment_id) DO NOTHING`,
        [shipmentId, orderId, warehouseId, carrierRef, address.country, method, followedBy ?? null],
      );
      if (inserted.rowCount !== 1) return undefined;
      await db.query(
        `INSERT INTO shipment_lines (shipment_id, sku, quantity) SELECT $1, * FROM unnest($2::text[], $3::int[])`,
        [shipmentId, [...perSku.keys()], [...perSku.values()]],
      );
      return { carrierRef };
    });
    if (recorded) return recorded;
    // A cancel or another attempt won the race since we looked: the carrier's booking goes too
    // unless it is the one recorded.
    try {
      return (await existingShipment(pool, shipmentId, orderId))!;
    } catch (err) {
      await carrier.cancel({ carrierRef, idempotencyKey: `${shipmentId}:cancel` });
      throw err;
    }
  };
}

/**
 * A return's parcel: booked with the carrier (idempotent by `<shipment>:book`), recorded as a
 * shipment carrying the rma id, and handed to the sandbox carrier when asked. Its label is the
 * carrier's reference: what the customer sticks on the parcel.
 */
async function bookReturn(
  pool: Pool,
  carrier: CarrierProvider,
  deps: ShippingDeps,
  input: Parameters<ShippingActivities['bookReturnParcel']>[0],
): Promise<{ shipmentId: string; label: string }> {
  const { rmaId, orderId, warehouseId, country, lines, sandboxTransitMs } = input;
  const shipmentId = returnShipmentId(rmaId);
  if (!/^[A-Z]{2}$/.test(country)) throw invalidAddress('country: must be an ISO 3166-1 alpha-2 code');
  if (lines.length === 0)
    throw ApplicationFailure.nonRetryable(`return ${rmaId}: no lines to carry`, ERROR_TYPES.InvalidInput);
  const { carrierRef } = await carrier.book({
    shipmentId,
    country,
    parcels: 1,
    from: warehouseId,
    idempotencyKey: `${shipmentId}:book`,
  });
  await inTransaction(pool, async (db) => {
    const inserted = await db.query(
      `INSERT INTO shipments (shipment_id, order_id, warehouse_id, status, carrier_ref, country, method, rma_id)
       VALUES ($1, $2, $3, 'BOOKED', $4, $5, 'standard', $6) ON CONFLICT (shipment_id) DO NOTHING`,
      [shipmentId, orderId, warehouseId, carrierRef, country, rmaId],
    );
    if (inserted.rowCount === 1)
      await db.query(
        `INSERT INTO shipment_lines (shipment_id, sku, quantity) SELECT $1, * FROM unnest($2::text[], $3::int[])`,
        [shipmentId, lines.map((l) => l.sku), lines.map((l) => l.quantity)],
      );
  });
  if (sandboxTransitMs !== undefined) {
    if (!deps.sandboxCarrierRuns) throw new Error('this shipping worker has no sandbox carrier to hand parcels to');
    await deps.sandboxCarrierRuns.schedule({ shipmentId, transitMs: sandboxTransitMs });
  }
  return { shipmentId, label: carrierRef };
}

/** Records one carrier event in our tables (see ShippingActivities.recordCarrierEvent). */
function recordEvent(pool: Pool, shipmentId: string, event: CarrierEventType, next: string) {
  return inTransaction(
    pool,
    async (
      db,
    ): Promise<{ accepted: boolean; orderId: string | null; rmaId: string | null; followedBy: string | null }> => {
      const { rows } = await db.query<{
        status: string;
        order_id: string | null;
        rma_id: string | null;
        followed_by: string | null;
      }>('SELECT status, order_id, rma_id, followed_by FROM shipments WHERE shipment_id = $1 FOR UPDATE', [shipmentId]);
      if (rows[0] === undefined)
        throw ApplicationFailure.nonRetryable(`no shipment ${shipmentId}`, ERROR_TYPES.InvalidInput);
      const { status: current, order_id: orderId, rma_id: rmaId, followed_by: followedBy } = rows[0];
      if (current === 'CANCELLED') {
        logger.warn({ shipmentId, event }, 'carrier event for a cancelled shipment: refused');
        return { accepted: false, orderId, rmaId, followedBy };
      }
      const accepted = rmaId
        ? await recordProgress(db, shipmentId, event, current, next) // a return parcel: no gate, no order milestone
        : await recordOutbound(db, shipmentId, orderId!, event, current, next);
      return { accepted, orderId, rmaId, followedBy };
    },
  );
}

async function recordProgress(
  db: PoolClient,
  shipmentId: string,
  event: CarrierEventType,
  current: string,
  next: string,
) {
  await db.query(
    'INSERT INTO shipment_events (shipment_id, event) VALUES ($1, $2) ON CONFLICT (shipment_id, event) DO NOTHING',
    [shipmentId, event],
  );
  // Events may arrive out of order or twice: the status only moves forward.
  if (PROGRESS.indexOf(next) > PROGRESS.indexOf(current))
    await db.query('UPDATE shipments SET status = $2, updated_at = now() WHERE shipment_id = $1', [shipmentId, next]);
  return true;
}

async function recordOutbound(
  db: PoolClient,
  shipmentId: string,
  orderId: string,
  event: CarrierEventType,
  current: string,
  next: string,
): Promise<boolean> {
  {
    // The first pickup passes the order's point of no return, unless a cancellation won the gate.
    if (current === 'BOOKED') {
      if (!(await passPointOfNoReturn(db, orderId))) {
        logger.warn({ shipmentId }, 'pickup refused: the order was cancelled first');
        return false;
      }
    }
    await recordProgress(db, shipmentId, event, current, next);
    // The order is Shipped when its last parcel leaves: reported in this pickup's own transaction.
    if (current === 'BOOKED') await reportPickup(db, orderId);
    return true;
  }
}

/**
 * The one record of a carrier event, whoever receives it (the shipment's activity, the sandbox
 * carrier's sender, the carrier inbox): the shipment's row and event, the pickup through the
 * order's gate, and the pickup told to the order. Idempotent: a repeat changes nothing.
 */
export function carrierEventRecorder(
  pool: Pool,
  reportToOrder: ShippingDeps['reportToOrder'],
): ShippingActivities['recordCarrierEvent'] {
  return async ({ shipmentId, event }) => {
    const { accepted } = await carrierEventRouter(pool, reportToOrder)({ shipmentId, event });
    return { accepted };
  };
}

/**
 * The record (carrierEventRecorder), answering also the message for the workflow that follows the
 * parcel (parcelFollower: the one its booking named, else a return's or its shipment workflow).
 * The carrier's paths deliver it there.
 */
export function carrierEventRouter(pool: Pool, reportToOrder: ShippingDeps['reportToOrder']) {
  return async ({
    shipmentId,
    event,
  }: {
    shipmentId: string;
    event: CarrierEventType;
  }): Promise<{ accepted: boolean; workflowId: string; message: CarrierEventMessage }> => {
    const next = STATUS_OF_EVENT[event];
    if (!next)
      throw ApplicationFailure.nonRetryable(`unknown carrier event ${JSON.stringify(event)}`, ERROR_TYPES.InvalidInput);
    const { accepted, orderId, rmaId, followedBy } = await recordEvent(pool, shipmentId, event, next);
    // The pickup is the order's point of no return: whoever records it tells the order, on every
    // carrier path (sandbox, inbox, `orders deliver` through the shipment), and again on a retry.
    // Every parcel's pickup passes here: the shipment records "picked-up" itself when its
    // carrier skipped it. The order ignores a report it has. A return's parcel is no milestone of its order.
    // An order that follows its parcel itself (v0.8) hears the event from the carrier's own message.
    if (accepted && event === 'picked-up' && orderId && !rmaId && !followedBy)
      await reportToOrder(orderWorkflowId(orderId), { shipmentId, event });
    const follower = parcelFollower({ shipmentId, followedBy, rmaId });
    return {
      accepted,
      workflowId: follower.workflowId,
      message: carrierMessage(follower, shipmentId, event, { accepted }),
    };
  };
}

export function createShippingActivities(pool: Pool, deps: ShippingDeps): ShippingActivities {
  const carrier = deps.carrier ?? createSandboxCarrier(pool, deps.sandboxCarrier);
  const book = bookWith(pool, carrier);
  const activities: ShippingActivities = {
    validateAddress,

    async bookShipment(input) {
      const booked = await book(input);
      // v0.4: the sandbox carrier takes the parcel and sends its events by itself. Handed over
      // before Booked is reported, so that report and the pickup's can reach the order together.
      if (input.sandboxTransitMs !== undefined) {
        // A deployment fault, not the order's: retried until a worker with the sender takes it.
        if (!deps.sandboxCarrierRuns) throw new Error('this shipping worker has no sandbox carrier to hand parcels to');
        await deps.sandboxCarrierRuns.schedule({ shipmentId: input.shipmentId, transitMs: input.sandboxTransitMs });
      }
      // The booking tells its order itself, after it is recorded (a retry tells again; the order
      // ignores a report it has): one signal from here instead of one from the shipment workflow,
      // which cost that history 5 events and a workflow task. An order that booked the parcel as
      // its follower (v0.8) learns it from this activity's result: no report.
      if (!input.followedBy)
        await deps.reportToOrder(orderWorkflowId(input.orderId), { shipmentId: input.shipmentId, event: 'Booked' });
      return booked;
    },

    /**
     * `cancelled` tells whether the shipment is (now) cancelled, the same answer on every retry.
     * A shipment that was never booked gets an empty cancel, so a late booking attempt is refused.
     * Once the carrier has the parcel (picked up or later) it cannot be cancelled: false.
     */
    async cancelShipment({ shipmentId }) {
      // Our record first, under the row's lock: once it says CANCELLED no pickup can be recorded,
      // and a booking that committed a moment ago is seen here with its carrier reference (read
      // before the lock, it could be missed, leaving the carrier's booking live).
      const outcome = await inTransaction(pool, async (db) => {
        const empty = await db.query(
          `INSERT INTO shipments (shipment_id, status) VALUES ($1, 'CANCELLED') ON CONFLICT (shipment_id) DO NOTHING`,
          [shipmentId],
        );
        if (empty.rowCount === 1) return { cancelled: true, carrierRef: null };
        const { rows } = await db.query<{ status: string; carrier_ref: string | null }>(
          'SELECT status, carrier_ref FROM shipments WHERE shipment_id = $1 FOR UPDATE',
          [shipmentId],
        );
        const status = rows[0]?.status;
        if (status === 'BOOKED')
          await db.query(`UPDATE shipments SET status = 'CANCELLED', updated_at = now() WHERE shipment_id = $1`, [
            shipmentId,
          ]);
        const cancelled = status === 'BOOKED' || status === 'CANCELLED';
        return { cancelled, carrierRef: cancelled ? (rows[0]?.carrier_ref ?? null) : null };
      });
      // Then the carrier's booking, on every attempt while ours says CANCELLED (idempotent by key),
      // so a crash between the two is repaired by the retry.
      if (outcome.carrierRef)
        await carrier.cancel({ carrierRef: outcome.carrierRef, idempotencyKey: `${shipmentId}:cancel` });
      return { cancelled: outcome.cancelled };
    },

    bookReturnParcel: (input) => bookReturn(pool, carrier, deps, input),

    async shipmentsOf({ orderId }) {
      const { rows } = await pool.query<{ shipment_id: string; warehouse_id: string; status: string }>(
        'SELECT shipment_id, warehouse_id, status FROM shipments WHERE order_id = $1 AND rma_id IS NULL ORDER BY shipment_id',
        [orderId],
      );
      return {
        shipments: rows.map((r) => ({ shipmentId: r.shipment_id, warehouseId: r.warehouse_id, status: r.status })),
      };
    },

    recordCarrierEvent: carrierEventRecorder(pool, deps.reportToOrder),
    shipmentReached: shipmentReachedIn(pool),

    /**
     * Emits the three events `transitMs / 3` apart, each recorded first and then signalled with its
     * outcome, as a carrier's webhook receiver would: the shipment workflow then needs no activity of
     * its own per event (three round trips less per parcel). Heartbeats carry the index of the last
     * emitted event (-1 before the first), so a retry resumes after it. An event recorded or signalled
     * just before a crash is recorded or signalled again (at least once): recordCarrierEvent is
     * idempotent and the shipment workflow ignores a stage it has passed.
     */
    async runSandboxCarrier({ shipmentWorkflowId: workflowId, shipmentId, transitMs }) {
      const ctx = Context.current();
      const details: unknown = ctx.info.heartbeatDetails;
      let last =
        typeof details === 'number' && Number.isInteger(details) ? Math.min(details, CARRIER_EVENTS.length - 1) : -1;
      const stepMs = Math.max(0, transitMs) / CARRIER_EVENTS.length;
      // Heartbeat more often than the heartbeat timeout while waiting (the SDK throttles sends).
      const sliceMs = ctx.info.heartbeatTimeoutMs ? Math.max(10, ctx.info.heartbeatTimeoutMs / 2) : 1_000;
      ctx.heartbeat(last);
      for (let i = last + 1; i < CARRIER_EVENTS.length; i++) {
        const event = CARRIER_EVENTS[i]!;
        for (let waited = 0; waited < stepMs; waited += sliceMs) {
          await ctx.sleep(Math.min(sliceMs, stepMs - waited)); // rejects with CancelledFailure on cancellation
          ctx.heartbeat(last);
        }
        const { accepted } = await deliver({ shipmentId, event }, workflowId);
        last = i;
        ctx.heartbeat(last);
        // A cancellation won the order's gate: the parcel stays, and the workflow was told so.
        if (!accepted) return;
      }
    },
  };
  const deliver = sandboxDelivery(carrierEventRouter(pool, deps.reportToOrder), deps);
  return activities;
}

/**
 * How the sandbox carrier hands one event on. With a broker: to the `carrier.events` queue, whose
 * inbox records and signals it (and refuses a pickup the cancellation gate closed, and any later
 * event of that shipment). Without: recorded here, then signalled to the workflow that follows the
 * parcel (parcelFollower: its order's, its shipment's, or its return's) with the outcome. A workflow that has closed (cancelled,
 * say) needs no signal: the record is all there is.
 */
function sandboxDelivery(route: ReturnType<typeof carrierEventRouter>, deps: ShippingDeps) {
  return async (
    { shipmentId, event }: { shipmentId: string; event: CarrierEventType },
    workflowId?: string,
  ): Promise<{ accepted: boolean }> => {
    if (deps.publishCarrierEvent) {
      await deps.publishCarrierEvent({ eventId: `${shipmentId}:${event}`, shipmentId, event });
      return { accepted: true };
    }
    const { accepted, workflowId: follower, message } = await route({ shipmentId, event });
    const recorded = { accepted };
    try {
      // The pre-v0.4 carrier activity names the workflow that runs it; every other event goes to the follower.
      await deps.signalShipment(workflowId ?? follower, message);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    return recorded;
  };
}

/** The delivery the sandbox carrier's sender uses (carrier-sandbox-runs.ts), with this service's record. */
export function sandboxCarrierDelivery(pool: Pool, deps: ShippingDeps): SandboxCarrierDelivery {
  const deliver = sandboxDelivery(carrierEventRouter(pool, deps.reportToOrder), deps);
  return (e) => deliver(e);
}
