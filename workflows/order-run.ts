import { CancellationScope, CancelledFailure, condition, patched, sleep, workflowInfo } from '@temporalio/workflow';
import {
  ERROR_TYPES as E,
  approversFor,
  needsApproval,
  shortagesOf,
  deliverySettings,
  type CancelInput,
  type DeliverySettings,
  type LineStep,
  type LoadedPolicy,
  type OrderStep,
  type OrderView,
  type OrderWorkflowInput,
  type PlanSnapshot,
  type PricedLineDto,
  type ProductType,
  type ReservedLine,
  type Shortage,
} from '../src/domain/deterministic';
import { orderServices, type OrderServices } from './activity-proxies';
import { awaitApproval } from './approval';
import { failureDetails, hasFailureType, rejectOrder } from './failure-reason';
import { joinAll } from './join';
import { OrderState } from './order-state';
import { OrderStepBarrier } from './order-step-barrier';
import type { Parcel } from './parcel';
import { PATCHES } from './patches';
import { runPlan } from './plan-runner';
import { Saga } from './saga';
import { shipParcels } from './ship-parcels';

/**
 * One order's run: its state, its saga and one method per stage of the lifecycle. The stages an
 * order goes through are its product types' fulfilment plans (data, snapshotted at pricing):
 * price → each type's plan, side by side, meeting at the order steps (reserve, approve,
 * authorize, capture, ship: once for the whole order) → confirm the stock → Delivered.
 * Every stage registers its compensation in the saga before it acts.
 */
export class OrderRun {
  readonly state: OrderState;
  readonly view: OrderView;
  readonly saga = new Saga();
  /** v0.8: the parcels this order runs itself, by shipment id (workflows/parcels-in-order.ts). */
  readonly parcels = new Map<string, Parcel>();
  /** The order runs its parcels itself (v0.8), so it is on code past every earlier patch. */
  get followsParcels(): boolean {
    return this.parcels.size > 0;
  }
  readonly acts: OrderServices;
  readonly orderId: string;
  readonly runId = workflowInfo().firstExecutionRunId;
  /** Only requestCancel() cancels it: the order runs in it under a shield (see orderWorkflow). */
  readonly main: CancellationScope;
  policy?: LoadedPolicy;

  /** The delivery settings this run goes by: the workers' (pinned with the policy), or its start input's on older runs. */
  get delivery(): DeliverySettings {
    return deliverySettings(this.policy, this.input.settings);
  }

  /** Who may decide this order's approval: its rule set's band for the total, else the configured approvers. */
  approvers(): string[] {
    return this.policy ? approversFor(this.view.totalCents, this.policy.rules.rules, this.policy.approvers) : [];
  }
  cancelRequest?: CancelInput;
  /** Nonces of the signed decisions this order has seen: each is good once (order-handlers.ts). */
  readonly seenNonces: string[] = [];
  /** Set by a waitlist's release signal (order-handlers.ts): try the reservation again. */
  restockReleased = false;
  /** Every waitlist the order joined: the compensation leaves them all. */
  private waitlistSkus: string[] = [];
  runCancelled = false;
  compensating = false;
  /** The failure path has done all it can: a cancel Update waiting for the end answers now, terminal or flagged. */
  undone = false;
  private lines: PricedLineDto[] = [];
  private reservation?: ReservedLine[];
  /** What the reservation holds (undefined before it, or when nothing reserves). */
  get reservedLines(): readonly ReservedLine[] | undefined {
    return this.reservation;
  }
  /** Set while lines are taken out (partial cancellation, workflows/partial-cancel.ts): the capture waits. */
  adjusting = false;
  /** Set when the capture starts: from then on no line is taken out. */
  capturing = false;
  /** The order's lines as they stand (a partial cancellation takes some out). */
  get orderLines(): readonly PricedLineDto[] {
    return this.lines;
  }
  /** Takes `skus` out of the lines, the reservation and the view's totals (their activities have run). */
  dropLines(skus: readonly string[], totals: { subtotalCents: number; shippingCents: number; totalCents: number }) {
    const kept = (l: { sku: string }) => !skus.includes(l.sku);
    this.lines = this.lines.filter(kept);
    this.reservation = this.reservation?.filter(kept);
    Object.assign(this.view, { lines: this.view.lines.filter(kept), ...totals });
  }
  /** Customer rules and address check: no money moves before they pass. */
  private screening: Promise<void> = Promise.resolve();

  constructor(
    readonly input: OrderWorkflowInput,
    shield: CancellationScope,
  ) {
    this.orderId = input.order.orderId;
    this.state = new OrderState(input);
    this.view = this.state.view;
    // The transit time only sizes the pre-v0.4 carrier activity's timeout: runs that use it carry it.
    this.acts = orderServices(input.settings.transitTimeMs ?? 0);
    this.main = new CancellationScope({ cancellable: true, parent: shield });
  }

  /** The happy path, in `main`. */
  async fulfil(): Promise<void> {
    const plans = await this.price();
    await this.runPlans(plans);
    await this.confirmStock();
    this.state.transition('Delivered');
    await this.acts.recordStatus({ orderId: this.orderId, runId: this.runId, status: 'Delivered' });
  }

  /**
   * The policy and the deployment's current rule set (kept for the whole order: a rule change
   * reaches new orders only), then the price under those rules; the order's facts and plans.
   * Two local activities in one workflow task: no round trip between them.
   */
  private async price(): Promise<PlanSnapshot[]> {
    const { order } = this.input;
    const policy = await this.acts.loadPolicy();
    const { rules, version } = policy.rules;
    const priced = await this.acts.priceOrder.executeWithOptions(
      { summary: `Price ${order.items.length} line(s) from the catalog` },
      [
        {
          orderId: this.orderId,
          runId: this.runId,
          customerId: order.customerId,
          items: order.items,
          shippingMethod: order.shippingMethod,
          rules: { version, shipping: rules.shipping },
        },
      ],
    );
    this.policy = policy;
    this.view.rulesVersion = version;
    if (!priced.ok)
      rejectOrder(
        priced.reason === 'unknown-sku' ? 'unknown-sku' : 'mixed-currency',
        `${priced.reason}: ${priced.skus.join(', ')}`,
      );
    this.lines = priced.lines;
    Object.assign(this.view, {
      lines: priced.lines,
      currency: priced.currency,
      subtotalCents: priced.subtotalCents,
      shippingCents: priced.shippingCents,
      totalCents: priced.totalCents,
      plans: priced.plans.map(({ productType, version }) => ({ productType, version })),
    });
    this.view.needsApproval = needsApproval(priced.totalCents, rules.approval.thresholdCents);
    this.state.priced(priced.totalCents, this.view.needsApproval);
    this.state.transition('InventoryChecked');
    return priced.plans;
  }

  /**
   * Each product type's plan runs on its own lines, side by side (multi-instance); order steps
   * meet at the barrier and run once. The customer rules and the address check run beside them.
   */
  private async runPlans(plans: PlanSnapshot[]): Promise<void> {
    const types = plans.map((p) => p.productType);
    const missing = [...new Set(this.lines.map((l) => l.productType))].filter((t) => !types.includes(t));
    if (missing.length > 0) rejectOrder('internal-error', `no fulfilment plan for ${missing.join(', ')}`);
    const barrier = new OrderStepBarrier(types, (step, arrived) => this.orderStep(step, arrived));
    const facts = () => ({ needsApproval: this.view.needsApproval, totalCents: this.view.totalCents });
    // The first failure stops everything else (waits at the barrier, timers, steps in flight), so the
    // saga can start at once; it is the failure the order reports, not the cancellations it caused.
    const scope = new CancellationScope();
    let first: { err: unknown } | undefined;
    const failing = (err: unknown): never => {
      if (!first) {
        first = { err };
        barrier.abort(err);
        scope.cancel();
      }
      throw err;
    };
    try {
      await scope.run(() => {
        this.screening = this.screen().catch(failing);
        return joinAll([
          this.screening,
          ...plans.map(async ({ productType, plan }) => {
            await runPlan(plan, {
              facts,
              orderStep: (step) => barrier.arrive(productType, step),
              lineStep: (step) => this.lineStep(step, productType),
              waitForRelease: () => this.waitForRelease(productType),
            }).catch(failing);
            barrier.finish(productType);
          }),
        ]);
      });
    } catch (err) {
      throw first ? first.err : err;
    }
  }

  /** Parallel split: customer rules and the address check, beside the reservation. */
  private async screen(): Promise<void> {
    const { order } = this.input;
    const [screening] = await joinAll([
      this.acts.screenCustomer.executeWithOptions({ summary: 'Customer and fraud rules' }, [
        {
          orderId: this.orderId,
          customerId: order.customerId,
          totalCents: this.view.totalCents,
          itemCount: order.items.length,
          country: order.shippingAddress.country,
          risk: this.policy!.rules.rules.risk,
        },
      ]),
      (this.state.lean ? this.acts.validateAddressHere : this.acts.validateAddress).executeWithOptions(
        { summary: 'Validate shipping address' },
        [{ orderId: this.orderId, address: order.shippingAddress }],
      ),
    ]);
    if (!screening.ok) rejectOrder(screening.reason, screening.detail);
  }

  private linesOf(types: readonly ProductType[]): PricedLineDto[] {
    return this.lines.filter((l) => types.includes(l.productType));
  }

  /** The latest release date among these types' lines (pre-orders), in ms since the epoch. */
  private releaseOf(types: readonly ProductType[]): number | undefined {
    const dates = this.linesOf(types).flatMap((l) => (l.releaseAt ? [Date.parse(l.releaseAt)] : []));
    return dates.length > 0 ? Math.max(...dates) : undefined;
  }

  /** How long the order may still wait for a release: the reservation and authorization must outlast it. */
  private waitAheadMs(): number {
    const release = this.releaseOf(this.lines.map((l) => l.productType));
    return release === undefined ? 0 : Math.max(0, release - Date.now());
  }

  private async orderStep(step: OrderStep, types: ProductType[]): Promise<void> {
    if (step !== 'reserve') await this.screening; // approval and money wait for the checks
    switch (step) {
      case 'reserve':
        return this.reserve(types);
      case 'approve':
        return this.view.needsApproval ? awaitApproval(this) : Promise.resolve();
      case 'authorize':
        return this.authorize();
      case 'capture':
        return this.capture();
      case 'ship':
        return this.ship(types);
    }
  }

  /** Try: hold the stock of the types that reserve (nothing for licences and gift cards). */
  private async reserve(types: ProductType[]): Promise<void> {
    const items = this.linesOf(types).map((l) => ({ sku: l.sku, quantity: l.quantity }));
    this.saga.add('release inventory', () =>
      this.acts.release.executeWithOptions({ summary: 'Compensate: release reserved stock' }, [
        { orderId: this.orderId },
      ]),
    );
    // The expiry is when the sweeper may start asking whether this order still runs; a running
    // order keeps its stock whatever the clock says.
    const approvalMs = this.view.needsApproval ? this.policy!.approvalTimeoutMs : 0;
    for (;;) {
      try {
        const { lines } = await this.acts.reserve.executeWithOptions({ summary: 'Reserve stock (Try)' }, [
          {
            orderId: this.orderId,
            items,
            ttlMs: approvalMs + this.waitAheadMs() + this.delivery.paymentWindowMs,
          },
        ]);
        this.reservation = lines;
        break;
      } catch (err) {
        if (this.input.settings.backorderMs === undefined || !hasFailureType(err, E.OutOfStock)) throw err;
        await this.waitForRestock(shortagesOf(failureDetails(err, E.OutOfStock)));
      }
    }
    if (this.view.backorder) {
      await this.acts.leaveWaitlists({ orderId: this.orderId, skus: this.view.backorder.skus });
      this.view.backorder = undefined;
    }
    this.state.transition('InventoryReserved');
  }

  /**
   * Back-order: short of stock and placed with a deadline, the order waits on each short SKU's
   * waitlist (workflows/backorder-waitlist.ts) until one releases it, then tries again; past the
   * deadline it is cancelled as out of stock. Leaving the waitlists is a compensation like any other.
   */
  private async waitForRestock(shortages: Shortage[]): Promise<void> {
    const { view, state, orderId, runId } = this;
    const first = view.backorder === undefined;
    const until = first ? Date.now() + this.input.settings.backorderMs! : Date.parse(view.backorder!.until);
    const left = until - Date.now();
    const skus = shortages.map((s) => s.sku);
    if (left <= 0) rejectOrder('out-of-stock', `no restock of ${skus.join(', ')} before the back-order deadline`);
    if (first)
      this.saga.add('leave back-order waitlists', () => this.acts.leaveWaitlists({ orderId, skus: this.waitlistSkus }));
    this.waitlistSkus = [...new Set([...this.waitlistSkus, ...skus])];
    view.backorder = { skus: this.waitlistSkus, until: new Date(until).toISOString() };
    this.restockReleased = false;
    await this.acts.joinWaitlists({ orderId, orderWorkflowId: workflowInfo().workflowId, shortages });
    if (first) {
      const note = `back-ordered: waiting for ${skus.join(', ')} until ${view.backorder.until}`;
      state.transition('Backordered', note);
      await this.acts.recordStatus({ orderId, runId, status: 'Backordered', note });
    }
    if (!(await condition(() => this.restockReleased, left)))
      rejectOrder('out-of-stock', `no restock of ${skus.join(', ')} before the back-order deadline`);
  }

  /**
   * Try of the payment. Not cancellable: a cancellation waits for the provider's answer, so the
   * saga then knows whether there is an authorization to void.
   */
  private async authorize(): Promise<void> {
    const { view } = this;
    // What is asked for: lines taken out meanwhile (partial cancellation) lower the total, not this.
    const amountCents = view.totalCents;
    this.state.transition('PaymentPending');
    this.saga.add('void authorization', async () => {
      const { voided } = await this.acts.voidPayment.executeWithOptions({ summary: 'Compensate: void authorization' }, [
        { orderId: this.orderId },
      ]);
      if (voided) view.payment.status = 'voided';
    });
    await CancellationScope.nonCancellable(() =>
      this.acts.authorize.executeWithOptions({ summary: `Authorize ${amountCents} ${view.currency} (Try)` }, [
        {
          orderId: this.orderId,
          amountCents,
          currency: view.currency!,
          paymentMethodId: this.input.order.payment.paymentMethodId,
          // A pre-order's authorization must outlast its wait for the release.
          windowMs: this.waitAheadMs() + this.delivery.paymentWindowMs,
        },
      ]),
    );
    Object.assign(view.payment, { status: 'authorized', authorizedCents: amountCents });
    // A cancellation that came while authorizing stops here: the capture must not start.
    if (this.main.consideredCancelled) throw new CancelledFailure('cancelled while authorizing');
  }

  /** Confirm of the payment: once for the whole order, when every type has reached it. */
  private async capture(): Promise<void> {
    const { view } = this;
    // Lines being taken out: capture what is left once they are (only then: no change for older runs).
    if (this.adjusting) await condition(() => !this.adjusting);
    this.capturing = true;
    this.saga.add('refund payment', async () => {
      const { refundedCents } = await this.acts.refund.executeWithOptions(
        { summary: 'Compensate: refund captured payment' },
        [{ orderId: this.orderId }],
      );
      if (refundedCents > 0)
        Object.assign(view.payment, { status: 'refunded', refundedCents, capturedCents: refundedCents });
    });
    await CancellationScope.nonCancellable(() =>
      this.acts.capture.executeWithOptions({ summary: 'Capture payment (Confirm)' }, [
        {
          orderId: this.orderId,
          amountCents: view.totalCents,
          currency: view.currency!,
          // An authorization that expired while the capture waited (an outage) is renewed, not a decline.
          renewal: {
            paymentMethodId: this.input.order.payment.paymentMethodId,
            windowMs: this.delivery.paymentWindowMs,
          },
        },
      ]),
    );
    Object.assign(view.payment, { status: 'captured', capturedCents: view.totalCents });
    this.state.transition('PaymentCompleted');
    this.state.transition('Processing'); // the read model has it already: capture wrote it
  }

  /** One parcel per warehouse for the reserved lines of the types that ship (workflows/ship-parcels.ts). */
  private async ship(types: ProductType[]): Promise<void> {
    const skus = new Set(this.linesOf(types).map((l) => l.sku));
    const lines = (this.reservation ?? []).filter((l) => skus.has(l.sku));
    // The read model's Shipped milestone is written by the first pickup itself (recordCarrierEvent).
    await shipParcels(this, lines);
    if (this.state.status === 'Processing') this.state.transition('Shipped'); // events may all arrive at once
  }

  private async lineStep(step: LineStep, type: ProductType): Promise<void> {
    const lines = this.linesOf([type]);
    const orderId = this.orderId;
    const issued = (this.view.issued ??= { licences: 0, giftCodes: 0 });
    if (step === 'issue-licence') {
      this.saga.add('revoke licences', () => this.acts.revokeLicences({ orderId }));
      issued.licences = (
        await this.acts.issueLicences.executeWithOptions({ summary: `Issue ${lines.length} licence key(s)` }, [
          { orderId, lines },
        ])
      ).issued;
    } else if (step === 'issue-gift-code') {
      this.saga.add('void gift codes', () => this.acts.voidGiftCodes({ orderId }));
      issued.giftCodes = (
        await this.acts.issueGiftCodes.executeWithOptions({ summary: `Issue ${lines.length} gift code(s)` }, [
          { orderId, lines, currency: this.view.currency! },
        ])
      ).issued;
    } else {
      await this.acts.notifyCustomer({ orderId, kind: `${type}-fulfilled`, skus: lines.map((l) => l.sku) });
    }
  }

  /** Timer: a pre-order waits for its release date (short in tests); a cancellation ends the wait. */
  private async waitForRelease(type: ProductType): Promise<void> {
    const release = this.releaseOf([type]);
    if (release === undefined || release <= Date.now()) return;
    this.view.awaitingRelease = new Date(release).toISOString();
    this.state.note(`waiting for the release of ${type} lines at ${this.view.awaitingRelease}`);
    await sleep(release - Date.now());
    delete this.view.awaitingRelease;
    this.state.note(`released: ${type} lines`);
  }

  /** Stock leaves the warehouse once everything is delivered (nothing to do when nothing was reserved). */
  private async confirmStock(): Promise<void> {
    if (!this.reservation) return;
    const { confirmed } = await this.acts.confirm.executeWithOptions(
      { summary: 'Confirm reservation: stock leaves the warehouse' },
      [{ orderId: this.orderId }],
    );
    // The units left, but the reservation was no longer held (released by someone else): stock
    // counts are now wrong, and only people can tell where the units went.
    if (!confirmed && patched(PATCHES.truthfulUndo)) {
      const why = 'delivered, but its reservation was no longer held: on-hand stock was not reduced';
      this.state.raiseAttention('stock', why);
      await this.acts.flagOrder({ orderId: this.orderId, reason: why });
    }
  }
}
