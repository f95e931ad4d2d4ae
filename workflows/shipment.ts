import {
  ApplicationFailure,
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  patched,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import { CARRIER_EVENTS, ERROR_TYPES, type ShipmentWorkflowInput } from '../src/domain/deterministic';
import { orderServices } from './activity-proxies';
import { carrierEventSignal, shipmentAttentionSignal, shipmentProgressSignal } from './order-api';
import { PATCHES } from './patches';
import { Saga } from './saga';

const STAGES = CARRIER_EVENTS;

/**
 * One parcel: book it, then follow the carrier's events (signals, from the sandbox carrier or
 * `orders deliver`) to delivery, telling the order at each stage. A later event implies the
 * earlier ones, so a carrier that only reports "delivered" still walks every stage in order.
 * Cancelled before pickup, it cancels its booking. A carrier silent past the deadline marks the
 * order NeedsAttention (a lost parcel) and the wait goes on; the next event clears the mark.
 * With `carrierSendsEvents` (v0.4) the sandbox carrier takes the parcel at booking and sends its
 * events from outside, like a real carrier; before, this workflow ran it as an activity.
 * With `leanHistory` (v0.3) the shipping service's activities tell the order Booked (the booking)
 * and picked-up (the pickup's recording), so this workflow signals the order only about a silent
 * carrier; and one timer watches the carrier for the whole parcel instead of one per stage.
 */
export async function shipmentWorkflow(input: ShipmentWorkflowInput): Promise<{ shipmentId: string; delivered: true }> {
  const acts = orderServices(input.transitTimeMs);
  const saga = new Saga();
  const carrierScope = new CancellationScope();
  const parent = getExternalWorkflowHandle(input.parentWorkflowId);
  const lean = input.leanHistory === true;
  let reached = -1;
  /** When the parcel last moved (booked, or a new stage), by the workflow's clock. */
  let movedAt = Date.now();
  // Outcomes of events the sender recorded already (the sandbox carrier), by stage.
  const recordedBySender = new Map<number, { accepted: boolean }>();
  setHandler(carrierEventSignal, ({ event, recorded }) => {
    const index = STAGES.indexOf(event);
    if (recorded && typeof recorded.accepted === 'boolean') recordedBySender.set(index, recorded);
    if (index > reached) {
      reached = index;
      movedAt = Date.now();
    }
  });
  const silence = (event: string) =>
    `no "${event}" from the carrier for parcel ${input.shipmentId} within ${input.carrierDeadlineMs} ms`;

  /**
   * The lean path's deadline: one timer, set for the deadline after the parcel last moved. When it
   * fires and the parcel moved meanwhile, it is set again for the rest; a parcel that did not is
   * lost until its next event. Never cancelled on delivery: a run's pending timer ends with it.
   */
  const watchCarrier = async (): Promise<void> => {
    while (reached < STAGES.length - 1) {
      const quietMs = Date.now() - movedAt;
      if (quietMs < input.carrierDeadlineMs) {
        await sleep(input.carrierDeadlineMs - quietMs);
        continue;
      }
      const seen = reached;
      await parent.signal(shipmentAttentionSignal, {
        shipmentId: input.shipmentId,
        reason: silence(STAGES[seen + 1]!),
      });
      await condition(() => reached > seen);
      await parent.signal(shipmentAttentionSignal, { shipmentId: input.shipmentId });
    }
  };
  let watchFailure: { err: unknown } | undefined;

  // Progress reports to the order are sent without waiting for each to be delivered (that wait is a
  // workflow task of its own, in the parcel's path): the carrier starts while "Booked" is on its
  // way. The order ignores a report older than what it has. Every report is awaited before the
  // parcel is done, so a failed one still fails it.
  const reports: Array<Promise<void>> = [];
  const report = (event: 'Booked' | 'picked-up') => {
    const sent = parent.signal(shipmentProgressSignal, { shipmentId: input.shipmentId, event });
    sent.catch(() => undefined); // awaited below; a failure surfaces there
    reports.push(sent);
  };

  /** The compensation found the parcel with the carrier: it cannot be cancelled, only followed. */
  let left = false;
  /** The last stage this workflow has recorded (-1: none). */
  let done = -1;
  /** One stage: wait for it (the lean path's watch may fail the wait), then record it. */
  const stage = async (index: number, event: (typeof STAGES)[number]): Promise<boolean> => {
    if (lean) {
      await condition(() => reached >= index || watchFailure !== undefined);
      if (watchFailure) throw watchFailure.err;
    } else if (!(await condition(() => reached >= index, input.carrierDeadlineMs))) {
      // Before v0.3: a deadline timer per stage.
      await parent.signal(shipmentAttentionSignal, { shipmentId: input.shipmentId, reason: silence(event) });
      await condition(() => reached >= index);
      await parent.signal(shipmentAttentionSignal, { shipmentId: input.shipmentId });
    }
    return record(index, event);
  };
  /** Records a stage that has come, unless its sender recorded it already; whether it was accepted. */
  const record = async (index: number, event: (typeof STAGES)[number]): Promise<boolean> => {
    const { accepted } =
      recordedBySender.get(index) ??
      (await acts.recordCarrierEvent.executeWithOptions({ summary: `Carrier: ${event}` }, [
        { shipmentId: input.shipmentId, event },
      ]));
    if (accepted) done = index;
    return accepted;
  };

  // v0.4: the sandbox carrier, handed the parcel at booking, sends its events by itself.
  const carrierSends = input.sandboxCarrier && input.carrierSendsEvents === true;
  try {
    saga.add('cancel shipment', async () => {
      const { cancelled } = await acts.cancelShipment.executeWithOptions({ summary: 'Compensate: cancel booking' }, [
        { shipmentId: input.shipmentId },
      ]);
      left = !cancelled;
    });
    await acts.bookShipment.executeWithOptions({ summary: `Book shipment from ${input.warehouseId}` }, [
      {
        orderId: input.orderId,
        shipmentId: input.shipmentId,
        warehouseId: input.warehouseId,
        lines: input.lines,
        address: input.address,
        method: input.method,
        ...(carrierSends ? { sandboxTransitMs: input.transitTimeMs } : {}),
      },
    ]);
    movedAt = Date.now();
    if (lean) {
      carrierScope.run(watchCarrier).catch((err: unknown) => {
        watchFailure ??= { err }; // fails the parcel at its next wait (below)
      });
    } else report('Booked');
    // The carrier runs beside the loop below; its own scope lets a failed parcel call it off, and
    // its failure is handled here so a cancellation never surfaces as an unhandled rejection.
    const carrier =
      input.sandboxCarrier && !carrierSends
        ? carrierScope.run(() =>
            acts.runSandboxCarrier.executeWithOptions(
              { summary: 'Sandbox carrier: emits picked-up, in-transit, delivered' },
              [
                {
                  shipmentWorkflowId: workflowInfo().workflowId,
                  shipmentId: input.shipmentId,
                  transitMs: input.transitTimeMs,
                },
              ],
            ),
          )
        : undefined;
    carrier?.catch(() => undefined);
    for (const [index, event] of STAGES.entries()) {
      // The order's gate closed before this pickup: the parcel stays, the booking goes.
      if (!(await stage(index, event))) {
        carrierScope.cancel(); // nothing more is coming from the carrier for this parcel
        await pickupRefused(input, event);
      }
      // The order acts on the pickup (its point of no return); in-transit is the carrier's detail,
      // and delivery reaches the order as this workflow's result: no signal for those.
      // On v0.3 the pickup's recording (recordCarrierEvent, whoever called it) tells the order.
      if (event === 'picked-up' && !lean) report(event);
    }
    await carrier;
    await Promise.all(reports);
    return { shipmentId: input.shipmentId, delivered: true };
  } catch (err) {
    carrierScope.cancel();
    await CancellationScope.nonCancellable(() => saga.compensate());
    // Cancelled after its parcel left (its order failed, or was stopped): no cancellation brings a
    // parcel back, so it is followed to delivery; the order settles on what left.
    // Only where the events come from outside this run (a carrier, the v0.4 sandbox sender): the
    // pre-v0.4 sandbox carrier was an activity of this run, cancelled with it, so nothing would come.
    const eventsFromOutside = !input.sandboxCarrier || carrierSends;
    if (left && eventsFromOutside && isCancellation(err) && patched(PATCHES.truthfulUndo)) {
      await CancellationScope.nonCancellable(() => followToDelivery(done + 1));
      return { shipmentId: input.shipmentId, delivered: true };
    }
    throw err;
  }

  /**
   * The stages from `from` on, recorded as they come; a carrier silent past the deadline is told to
   * the order (a lost parcel, if the order still runs to hear it) and the wait goes on.
   */
  async function followToDelivery(from: number): Promise<void> {
    for (const [index, event] of STAGES.entries()) {
      if (index < from) continue;
      while (!(await condition(() => reached >= index, input.carrierDeadlineMs)))
        await parent
          .signal(shipmentAttentionSignal, { shipmentId: input.shipmentId, reason: silence(event) })
          .catch(() => undefined); // the order may have closed: the parcel is followed all the same
      await record(index, event);
    }
  }
}

/**
 * A refused pickup means the order's gate was closed first (its cancellation, or its own undo):
 * the order is about to cancel this parcel. It waits for that cancellation (its booking is then
 * cancelled by the compensation, and the run ends cancelled), so the order ends for the reason it
 * was cancelled, not for a child's failure. Runs that reached this on older code failed at once.
 */
async function pickupRefused(input: ShipmentWorkflowInput, event: string): Promise<void> {
  const refused = () =>
    ApplicationFailure.nonRetryable(
      `carrier event ${event} refused: order ${input.orderId} was cancelled first`,
      ERROR_TYPES.PickupRefused,
    );
  if (!patched(PATCHES.pickupRefusedWaits)) throw refused();
  // No cancellation within the carrier deadline: the order has moved on without it; fail loudly.
  await condition(() => false, input.carrierDeadlineMs);
  throw refused();
}
