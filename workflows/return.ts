import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  setHandler,
} from '@temporalio/workflow';
import {
  ERROR_TYPES,
  RETURNS_SHIPPING_PART,
  returnRefundPart,
  returnRulesOf,
  whyNotInspection,
  whyNotValidClaims,
  decisionSays,
  type CarrierEventMessage,
  type InspectInput,
  type LoadedPolicy,
  type OpenedReturn,
  type ReturnRequest,
  type ReturnStatus,
  type ReturnView,
} from '../src/domain/deterministic';
import { returnServices } from './activity-proxies';
import { failureMessage, hasFailureType } from './failure-reason';
import { carrierEventSignal, inspectUpdate, openedUpdate, returnQuery } from './return-api';

const DEFAULT_PARCEL_TIMEOUT_MS = 14 * 24 * 60 * 60 * 1000;

/**
 * One return (RMA), `return-<rmaId>`: opened against what the order delivered (the rule set's
 * windows), a label for the parcel back, a deadline for it to arrive (else Expired, no refund), the
 * warehouse's inspection (a signed decision), then per line: the stock back or written off, and the
 * refund of what was accepted. The order's own run has ended (Delivered); its money moves here.
 */
export async function returnWorkflow(request: ReturnRequest): Promise<ReturnView> {
  const run = new ReturnRun(request);
  run.listen();
  await run.main();
  await condition(allHandlersFinished); // the inspection's caller gets its answer
  return run.view;
}

class ReturnRun {
  readonly acts = returnServices();
  readonly view: ReturnView;
  private opened?: OpenedReturn;
  private parcelReported = false;
  private recordByHand = false;
  private verdict?: { lines: InspectInput['lines']; by: string };
  private readonly seenNonces: string[] = [];

  constructor(private readonly request: ReturnRequest) {
    this.view = {
      rmaId: request.rmaId,
      orderId: request.orderId,
      status: 'Requested',
      reason: request.reason,
      lines: request.lines.map((l) => ({ ...l })),
      refundedCents: 0,
      history: [{ status: 'Requested', at: new Date().toISOString(), note: request.reason }],
    };
  }

  listen(): void {
    setHandler(returnQuery, () => this.view);
    setHandler(carrierEventSignal, (m: CarrierEventMessage) => {
      if (m?.event !== 'delivered') return;
      this.parcelReported = true;
      // By hand (`orders deliver`, the Web UI): nobody recorded it yet, so the return records it.
      if (!m.recorded) this.recordByHand = true;
    });
    setHandler(openedUpdate, async () => {
      await condition(() => this.view.status !== 'Requested');
      return this.view;
    });
    setHandler(inspectUpdate, (input) => this.inspect(input), {
      validator: (input) => {
        const why = this.whyNotInspect(input);
        if (why) throw ApplicationFailure.nonRetryable(why, 'Refused');
      },
    });
  }

  async main(): Promise<void> {
    const policy = await this.acts.loadPolicy();
    const opened = await this.acts.openReturn({ ...this.request, rules: policy.rules.rules });
    if (!opened.ok) return this.transition('Refused', opened.reason);
    this.opened = opened.opened;
    this.view.currency = opened.opened.currency;
    this.view.lines = opened.opened.lines.map(({ sku, quantity, unitPriceCents }) => ({
      sku,
      quantity,
      unitPriceCents,
    }));
    if (!(await this.parcelArrives(policy))) return;
    await this.record('Received', 'the parcel reached the warehouse');
    await condition(() => this.verdict !== undefined);
    await CancellationScope.nonCancellable(() => this.settle(policy));
  }

  /** The label, then the wait for the parcel (verified against the shipments table); false when it expired. */
  private async parcelArrives(policy: LoadedPolicy): Promise<boolean> {
    const o = this.opened!;
    const { shipmentId, label } = await this.acts.bookReturnParcel({
      rmaId: o.rmaId,
      orderId: o.orderId,
      warehouseId: o.warehouseId,
      country: o.country,
      lines: o.lines.map(({ sku, quantity }) => ({ sku, quantity })),
      ...(policy.sandboxCarrier ? { sandboxTransitMs: policy.transitTimeMs ?? 0 } : {}),
    });
    const timeoutMs = policy.returnParcelTimeoutMs ?? DEFAULT_PARCEL_TIMEOUT_MS;
    const due = new Date(Date.now() + timeoutMs).toISOString();
    this.view.shipmentId = shipmentId;
    this.view.parcelDueAt = due;
    await this.record('AwaitingParcel', `label ${label}`, { shipmentId, label, parcelDueAt: due });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0 || !(await condition(() => this.parcelReported, left))) break;
      if (this.recordByHand) await this.acts.recordCarrierEvent({ shipmentId, event: 'delivered' });
      // A report is believed only when the shipping service recorded the delivery.
      if ((await this.acts.shipmentReached({ shipmentId, event: 'delivered' })).reached) return true;
      this.parcelReported = this.recordByHand = false;
    }
    await CancellationScope.nonCancellable(() => this.acts.cancelShipment({ shipmentId }));
    delete this.view.parcelDueAt;
    await this.record('Expired', `the parcel did not arrive by ${due}: no refund`);
    return false;
  }

  /** The verdict's consequences: stock back or written off, the accepted units refunded, then the end. */
  private async settle(policy: LoadedPolicy): Promise<void> {
    const o = this.opened!;
    const { lines, by } = this.verdict!;
    await this.acts.recordInspection({ rmaId: o.rmaId, inspectedBy: by, lines });
    await this.acts.receiveReturn({
      rmaId: o.rmaId,
      warehouseId: o.warehouseId,
      lines: lines.map((l) => ({
        sku: l.sku,
        restock: l.condition === 'resellable' ? l.accepted : 0,
        writeOff: l.condition === 'damaged' ? l.accepted : 0,
      })),
    });
    const notes: string[] = [];
    for (const line of o.lines) {
      const accepted = lines.find((l) => l.sku === line.sku)?.accepted ?? 0;
      if (accepted === 0) continue;
      // Never more than is left of what was paid for the line: a goodwill refund may have given some back.
      const { leftCents } = await this.acts.lineRefundRoom({ orderId: o.orderId, sku: line.sku });
      const due = Math.min(accepted * line.unitPriceCents, leftCents);
      if (due < accepted * line.unitPriceCents) notes.push(`${line.sku}: ${leftCents} left of what was paid`);
      if (due > 0) await this.refund(returnRefundPart(o.rmaId, line.lineNo), due, notes, line.sku);
    }
    const anyAccepted = lines.some((l) => l.accepted > 0);
    if (anyAccepted && returnRulesOf(policy.rules.rules).refundShippingWhenAllReturned) {
      const shipping = await this.acts.allUnitsReturned({ orderId: o.orderId });
      if (shipping.all && !shipping.shippingRefunded && shipping.shippingCents > 0)
        await this.refund(RETURNS_SHIPPING_PART, shipping.shippingCents, notes);
    }
    const note = [`${this.view.refundedCents} ${o.currency} refunded`, ...notes].join('; ');
    await this.record(anyAccepted ? 'Refunded' : 'Rejected', note);
  }

  /** One refund at the provider, recorded on the return; one the provider refuses (nothing left) is noted, not retried. */
  private async refund(part: string, amountCents: number, notes: string[], sku?: string): Promise<void> {
    const o = this.opened!;
    try {
      const { refundedCents } = await this.acts.refundPart({ orderId: o.orderId, part, amountCents });
      await this.acts.recordReturnRefund({ rmaId: o.rmaId, part, amountCents: refundedCents, ...(sku ? { sku } : {}) });
      this.view.refundedCents += refundedCents;
    } catch (err) {
      if (!hasFailureType(err, ERROR_TYPES.RefundExceedsCapture)) throw err;
      notes.push(`${part}: refused by the provider (${failureMessage(err, ERROR_TYPES.RefundExceedsCapture)})`);
    }
  }

  private whyNotInspect(input: InspectInput | undefined): string | undefined {
    if (this.view.status !== 'Received')
      return `return ${this.request.rmaId} is ${this.view.status}: only a received return is inspected`;
    if (this.verdict) return `return ${this.request.rmaId} was inspected already`;
    return (
      whyNotValidClaims(input?.proof, this.request.rmaId, 'inspect', Date.now(), this.seenNonces) ??
      whyNotInspection(input?.lines, this.opened!)
    );
  }

  /** The signature (a local activity: the workers hold the public keys), then the verdict; answers once settled. */
  private async inspect(input: InspectInput): Promise<ReturnView> {
    const proof = input.proof!;
    const says = decisionSays('inspect', input);
    const { refused } = await CancellationScope.nonCancellable(() => this.acts.verifyDecision({ proof, says }));
    if (refused) throw ApplicationFailure.nonRetryable(refused, 'Refused');
    if (this.seenNonces.includes(proof.nonce) || this.verdict)
      throw ApplicationFailure.nonRetryable('the signed decision was already used (replayed nonce)', 'Refused');
    this.seenNonces.push(proof.nonce);
    this.verdict = { lines: input.lines, by: proof.by };
    this.view.inspectedBy = proof.by;
    this.view.lines = this.view.lines.map((l) => {
      const v = input.lines.find((x) => x.sku === l.sku)!;
      return { ...l, accepted: v.accepted, condition: v.condition, ...(v.note ? { note: v.note } : {}) };
    });
    await condition(() => this.view.status === 'Refunded' || this.view.status === 'Rejected');
    return this.view;
  }

  private transition(status: ReturnStatus, note?: string): void {
    this.view.status = status;
    if (note) this.view.note = note;
    this.view.history.push({ status, at: new Date().toISOString(), ...(note ? { note } : {}) });
  }

  private async record(
    status: ReturnStatus,
    note: string,
    extra: { shipmentId?: string; label?: string; parcelDueAt?: string } = {},
  ): Promise<void> {
    // Recorded first: whoever the view tells (the inspection's answer) finds the tables agree.
    await this.acts.recordReturnStatus({ rmaId: this.request.rmaId, status, note, ...extra });
    this.transition(status, note);
  }
}
