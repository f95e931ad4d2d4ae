import {
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  patched,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import {
  CARRIER_EVENTS,
  ERROR_TYPES,
  type CarrierEventMessage,
  type CarrierEventType,
  type ShipmentWorkflowInput,
} from '../src/domain/deterministic';
import { orderServices } from './activity-proxies';
import { PATCHES } from './patches';
import { Saga } from './saga';

const STAGES = CARRIER_EVENTS;
type Stage = (typeof STAGES)[number];

/**
 * How a parcel tells its order: a shipment workflow by signals to its parent (workflows/shipment.ts),
 * a parcel the order runs itself (v0.8, workflows/parcels-in-order.ts) by calls on the order's state.
 */
export interface ParcelHooks {
  /** The carrier is silent past the deadline (`reason`, a lost parcel), or reports again (none). */
  attention(reason?: string): Promise<void>;
  /** Booked, and with the carrier: the order's view moves (point of no return, Shipped). */
  progress(event: 'Booked' | 'picked-up'): void;
}

/**
 * One parcel's state and steps, run by its shipment workflow (workflows/shipment.ts) or, from v0.8,
 * by its order (`followedBy`, workflows/parcels-in-order.ts: its events come through the order's
 * handler, hearInOrder). Its input says which of three
 * ways its carrier events come, each kept so a parcel replays as the code that started it ran it:
 * - `carrierSendsEvents` (v0.4): the sandbox carrier, handed the parcel at booking, sends them from
 *   outside like a real carrier; before, this workflow ran it as an activity (`runSandboxCarrier`).
 * - `leanHistory` (v0.3): the shipping service's activities tell the order Booked and picked-up, and
 *   one timer watches the carrier for the whole parcel; before, this workflow reported both and set
 *   a deadline timer per stage.
 * - no sandbox carrier: events come only from outside (the carrier inbox, `orders deliver`).
 */
export class Parcel {
  private readonly acts: ReturnType<typeof orderServices>;
  private readonly saga = new Saga();
  private readonly carrierScope = new CancellationScope();
  private readonly lean: boolean;
  private readonly carrierSends: boolean;
  /** The furthest stage the carrier has reported (-1: none). */
  private reached = -1;
  /** When the parcel last moved (booked, or a new stage), by the workflow's clock. */
  private movedAt = Date.now();
  /** Outcomes of events the sender recorded already (the sandbox carrier), by stage. */
  private readonly recordedBySender = new Map<number, { accepted: boolean }>();
  private watchFailure: { err: unknown } | undefined;
  /** Senders' claims being checked against the shipments table (hearInOrder): a stage waits for them. */
  private checking = 0;
  /** The pre-v0.4 sandbox carrier activity, when this run has one. */
  private carrier: Promise<void> | undefined;
  /** The compensation found the parcel with the carrier: it cannot be cancelled, only followed. */
  private left = false;
  /** The last stage this workflow has recorded (-1: none). */
  private done = -1;

  /**
   * @param followedBy v0.8: the order's workflow id when the order runs this parcel itself; the
   * booking records it, so the carrier's events go to the order (parcelFollower).
   */
  constructor(
    private readonly input: ShipmentWorkflowInput,
    private readonly hooks: ParcelHooks,
    private readonly followedBy?: string,
  ) {
    this.acts = orderServices(input.transitTimeMs);
    this.lean = input.leanHistory === true;
    this.carrierSends = input.sandboxCarrier && input.carrierSendsEvents === true;
  }

  /** A carrier event for this parcel (a shipment workflow's `carrierEvent` signal), its claim as sent. */
  hear({ event, recorded }: CarrierEventMessage): void {
    const index = STAGES.indexOf(event);
    if (recorded && typeof recorded.accepted === 'boolean') this.recordedBySender.set(index, recorded);
    if (index > this.reached) {
      this.reached = index;
      this.movedAt = Date.now();
    }
  }

  /**
   * v0.8, a carrier event the order hands on. A sender's claim that it recorded a milestone
   * (picked-up: the point of no return; delivered) is believed only when the shipments table has it
   * (one local activity); refused, the event is ignored (the order notes why). in-transit only moves
   * the deadline clock on: its claim is taken when it says accepted, else the parcel records it itself.
   */
  async hearInOrder(event: CarrierEventType, recorded?: { accepted: boolean }): Promise<string | undefined> {
    if (!recorded || event === 'in-transit') {
      this.hear({ event, ...(recorded?.accepted ? { recorded } : {}) });
      return undefined;
    }
    this.checking++;
    try {
      const { shipmentId } = this.input;
      const { reached } = await CancellationScope.nonCancellable(() =>
        this.acts.shipmentReached({ shipmentId, event }),
      );
      if (!reached) return `parcel ${shipmentId} has not reached ${event}`;
    } finally {
      this.checking--;
    }
    this.hear({ event, recorded: { accepted: true } });
    return undefined;
  }

  /**
   * v0.8: the shipments table, read by the booking, has the parcel this far already (the order was
   * reset to before its booking: the events it heard went to the run before). The table's word is
   * this service's own record, so every stage up to it counts as recorded and accepted.
   */
  private resumeFrom(event: CarrierEventType): void {
    const index = STAGES.indexOf(event);
    for (let i = 0; i <= index; i++) this.recordedBySender.set(i, { accepted: true });
    this.hear({ event, recorded: { accepted: true } });
  }

  /** Run by the order (v0.8): every patch before it is in force, no marker needed. */
  private since(patch: string): boolean {
    return this.followedBy !== undefined || patched(patch);
  }

  /** Books the parcel (its cancellation registered first), then starts watching the carrier. */
  async book(): Promise<void> {
    const { input, acts } = this;
    this.saga.add('cancel shipment', async () => {
      const { cancelled } = await acts.cancelShipment.executeWithOptions({ summary: 'Compensate: cancel booking' }, [
        { shipmentId: input.shipmentId },
      ]);
      this.left = !cancelled;
    });
    const booked = await acts.bookShipment.executeWithOptions({ summary: `Book shipment from ${input.warehouseId}` }, [
      {
        orderId: input.orderId,
        shipmentId: input.shipmentId,
        warehouseId: input.warehouseId,
        lines: input.lines,
        address: input.address,
        method: input.method,
        ...(this.carrierSends ? { sandboxTransitMs: input.transitTimeMs } : {}),
        ...(this.followedBy ? { followedBy: this.followedBy } : {}),
      },
    ]);
    this.movedAt = Date.now();
    if (this.followedBy && booked.reached) this.resumeFrom(booked.reached);
    // A lean shipment workflow tells nothing (the booking activity told the order); the others do.
    this.hooks.progress('Booked');
    if (this.lean) {
      this.carrierScope
        .run(() => this.watchCarrier())
        .catch((err: unknown) => {
          this.watchFailure ??= { err }; // fails the parcel at its next wait (stage)
        });
    }
    this.carrier = this.startSandboxCarrierActivity();
    this.carrier?.catch(() => undefined); // awaited in finish(); a cancellation never goes unhandled
  }

  /** Every stage in order; a refused pickup means the order's gate closed first. */
  async followStages(): Promise<void> {
    for (const [index, event] of STAGES.entries()) {
      if (!(await this.stage(index, event))) {
        this.carrierScope.cancel(); // nothing more is coming from the carrier for this parcel
        await this.pickupRefused(event);
      }
      // The order acts on the pickup (its point of no return); in-transit is the carrier's detail,
      // and delivery reaches the order as this parcel's end: no news for those. A lean shipment
      // workflow tells nothing: the pickup's recording (recordCarrierEvent, whoever called it) did.
      if (event === 'picked-up') this.hooks.progress(event);
    }
  }

  /** The carrier activity (pre-v0.4) has ended. */
  async finish(): Promise<void> {
    await this.carrier;
  }

  /**
   * A failure or cancellation: the booking is cancelled. A parcel that had left is followed to
   * delivery (true) where its events come from outside this run; otherwise the failure stands.
   */
  async undo(err: unknown): Promise<boolean> {
    this.carrierScope.cancel();
    await CancellationScope.nonCancellable(() => this.saga.compensate());
    // Only where the events come from outside this run (a carrier, the v0.4 sandbox sender): the
    // pre-v0.4 sandbox carrier was an activity of this run, cancelled with it, so nothing would come.
    const eventsFromOutside = !this.input.sandboxCarrier || this.carrierSends;
    if (this.left && eventsFromOutside && isCancellation(err) && this.since(PATCHES.truthfulUndo)) {
      await CancellationScope.nonCancellable(() => this.followToDelivery(this.done + 1));
      return true;
    }
    return false;
  }

  private startSandboxCarrierActivity(): Promise<void> | undefined {
    const { input } = this;
    if (!input.sandboxCarrier || this.carrierSends) return undefined;
    // Its own scope lets a failed parcel call it off.
    return this.carrierScope.run(() =>
      this.acts.runSandboxCarrier.executeWithOptions(
        { summary: 'Sandbox carrier: emits picked-up, in-transit, delivered' },
        [
          {
            shipmentWorkflowId: workflowInfo().workflowId,
            shipmentId: input.shipmentId,
            transitMs: input.transitTimeMs,
          },
        ],
      ),
    );
  }

  private silence(event: string): string {
    return `no "${event}" from the carrier for parcel ${this.input.shipmentId} within ${this.input.carrierDeadlineMs} ms`;
  }

  /**
   * The lean path's deadline: one timer, set for the deadline after the parcel last moved. When it
   * fires and the parcel moved meanwhile, it is set again for the rest; a parcel that did not is
   * lost until its next event. Never cancelled on delivery: a run's pending timer ends with it (in an
   * order that runs on, it fires once more and finds the parcel delivered).
   */
  private async watchCarrier(): Promise<void> {
    const { input } = this;
    while (this.reached < STAGES.length - 1) {
      const quietMs = Date.now() - this.movedAt;
      if (quietMs < input.carrierDeadlineMs) {
        await sleep(input.carrierDeadlineMs - quietMs);
        continue;
      }
      const seen = this.reached;
      await this.hooks.attention(this.silence(STAGES[seen + 1]!));
      await condition(() => this.reached > seen);
      await this.hooks.attention();
    }
  }

  /** One stage: wait for it (the lean path's watch may fail the wait), then record it. */
  private async stage(index: number, event: Stage): Promise<boolean> {
    const { input } = this;
    if (this.lean) {
      await condition(() => this.reached >= index || this.watchFailure !== undefined);
      if (this.watchFailure) throw this.watchFailure.err;
    } else if (!(await condition(() => this.reached >= index, input.carrierDeadlineMs))) {
      // Before v0.3: a deadline timer per stage.
      await this.hooks.attention(this.silence(event));
      await condition(() => this.reached >= index);
      await this.hooks.attention();
    }
    return this.record(index, event);
  }

  /** Records a stage that has come, unless its sender recorded it already; whether it was accepted. */
  private async record(index: number, event: Stage): Promise<boolean> {
    if (this.checking > 0) await condition(() => this.checking === 0); // a claim being checked may be this stage's
    const { accepted } =
      this.recordedBySender.get(index) ??
      (await this.acts.recordCarrierEvent.executeWithOptions({ summary: `Carrier: ${event}` }, [
        { shipmentId: this.input.shipmentId, event },
      ]));
    if (accepted) this.done = index;
    return accepted;
  }

  /**
   * The stages from `from` on, recorded as they come; a carrier silent past the deadline is told to
   * the order (a lost parcel, if the order still runs to hear it) and the wait goes on.
   */
  private async followToDelivery(from: number): Promise<void> {
    for (const [index, event] of STAGES.entries()) {
      if (index < from) continue;
      while (!(await condition(() => this.reached >= index, this.input.carrierDeadlineMs)))
        await this.hooks.attention(this.silence(event)).catch(() => undefined); // the order may have closed: the parcel is followed all the same
      const accepted = await this.record(index, event);
      // An order that runs this parcel itself hears of its pickup only from here (a shipment child's
      // order hears it from the shipping service's recording): its point of no return.
      if (accepted && event === 'picked-up' && this.followedBy) this.hooks.progress(event);
    }
  }

  /**
   * A refused pickup means the order's gate was closed first (its cancellation, or its own undo):
   * the order is about to cancel this parcel. It waits for that cancellation (its booking is then
   * cancelled by the compensation, and the run ends cancelled), so the order ends for the reason it
   * was cancelled, not for a child's failure. Runs that reached this on older code failed at once.
   */
  private async pickupRefused(event: string): Promise<void> {
    const { input } = this;
    const refused = () =>
      ApplicationFailure.nonRetryable(
        `carrier event ${event} refused: order ${input.orderId} was cancelled first`,
        ERROR_TYPES.PickupRefused,
      );
    if (!this.since(PATCHES.pickupRefusedWaits)) throw refused();
    // No cancellation within the carrier deadline: the order has moved on without it; fail loudly.
    await condition(() => false, input.carrierDeadlineMs);
    throw refused();
  }
}
