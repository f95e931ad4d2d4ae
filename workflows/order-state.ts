import {
  ApplicationFailure,
  CancellationScope,
  condition,
  patched,
  setCurrentDetails,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { PATCHES } from './patches';
import {
  CustomerIdKey,
  NeedsApprovalKey,
  NeedsAttentionKey,
  OrderStatusKey,
  OrderTotalCentsKey,
} from './search-attribute-keys';
import {
  ERROR_TYPES,
  IllegalTransition,
  assertTransition,
  formatMoney,
  money,
  type FailureReason,
  type OrderStatus,
  type OrderView,
  type OrderWorkflowInput,
} from '../src/domain/deterministic';

/**
 * The order's state machine inside the workflow: every move is checked against the domain's
 * transition table (an illegal one fails the workflow loudly), recorded in the history with the
 * workflow clock, mirrored into search attributes, and summarised as the run's current details.
 */
export class OrderState {
  readonly view: OrderView;
  /** What people must look at, by key (a compensation step, a shipment): the mark stays while any is open. */
  private readonly attention = new Map<string, string>();
  /** Search-attribute changes not yet written, by key: the last value of each wins. */
  private readonly unwritten = new Map<string, SearchAttributeUpdatePair>();
  /** v0.3's leaner history (workflows/patches.ts); runs started on older code keep their path. */
  readonly lean = patched(PATCHES.leanHistory);

  constructor(input: OrderWorkflowInput) {
    const { order } = input;
    this.view = {
      orderId: order.orderId,
      customerId: order.customerId,
      status: 'Created',
      history: [{ status: 'Created', at: new Date().toISOString() }],
      lines: [],
      subtotalCents: 0,
      shippingCents: 0,
      totalCents: 0,
      needsApproval: false,
      payment: { status: 'none', authorizedCents: 0, capturedCents: 0, refundedCents: 0 },
      shipments: [],
    };
    const started = workflowInfo().typedSearchAttributes;
    const setAtStart = started.get(OrderStatusKey) === 'Created' && started.get(CustomerIdKey) === order.customerId;
    if (!this.lean || !setAtStart)
      this.setAttributes([
        { key: OrderStatusKey, value: 'Created' },
        { key: CustomerIdKey, value: order.customerId },
      ]);
    if (this.lean) void CancellationScope.nonCancellable(() => this.writeAttributesEachTask());
    this.describe();
  }

  /**
   * Each upsert is an event in the history and a visibility write, and one workflow task often
   * changes the status twice (PaymentCompleted then Processing). So changes are kept and written
   * once per task: a condition is checked after the task's code has run to its next wait, and
   * then writes what it changed. Not cancellable: the run's cancellation must not stop it.
   */
  private async writeAttributesEachTask(): Promise<never> {
    for (;;) {
      await condition(() => this.unwritten.size > 0);
      this.writeAttributes();
    }
  }

  /** Writes what changed now. Also called as the run ends: a change made in its last task still counts. */
  writeAttributes(): void {
    if (this.unwritten.size === 0) return;
    const updates = [...this.unwritten.values()];
    this.unwritten.clear();
    upsertSearchAttributes(updates);
  }

  private setAttributes(updates: SearchAttributeUpdatePair[]): void {
    if (!this.lean) return upsertSearchAttributes(updates);
    for (const update of updates) this.unwritten.set(update.key.name, update);
  }

  get status(): OrderStatus {
    return this.view.status;
  }

  transition(to: OrderStatus, note?: string): void {
    try {
      assertTransition(this.view.status, to);
    } catch (err) {
      if (err instanceof IllegalTransition)
        throw ApplicationFailure.nonRetryable(err.message, ERROR_TYPES.IllegalTransition);
      throw err;
    }
    this.view.status = to;
    this.view.history.push({ status: to, at: new Date().toISOString(), ...(note ? { note } : {}) });
    this.setAttributes([{ key: OrderStatusKey, value: to }]);
    this.describe();
  }

  /** A history line that is not a move (a refused signal, a reminder). */
  note(note: string): void {
    this.view.history.push({ status: this.view.status, at: new Date().toISOString(), note });
    this.describe();
  }

  /** Marks the order for people (search attribute NeedsAttention=true) until every raised item is settled. */
  raiseAttention(key: string, reason: string): void {
    if (this.attention.get(key) === reason) return;
    this.attention.set(key, reason);
    this.view.needsAttention ??= { reason, since: new Date().toISOString() };
    this.view.needsAttention.reason = [...this.attention.values()].join('; ');
    this.setAttributes([{ key: NeedsAttentionKey, value: true }]);
    this.note(`needs attention: ${reason}`);
  }

  settleAttention(key: string, note: string): void {
    if (!this.attention.delete(key)) return;
    if (this.attention.size === 0) {
      delete this.view.needsAttention;
      this.setAttributes([{ key: NeedsAttentionKey, value: false }]);
    } else if (this.view.needsAttention) {
      this.view.needsAttention.reason = [...this.attention.values()].join('; ');
    }
    this.note(`resolved: ${note}`);
  }

  fail(reason: FailureReason): void {
    this.view.failureReason ??= reason;
  }

  priced(totalCents: number, needsApproval: boolean): void {
    this.setAttributes([
      { key: OrderTotalCentsKey, value: totalCents },
      { key: NeedsApprovalKey, value: needsApproval },
    ]);
    this.describe();
  }

  /** The Web UI's "current details": the order's story so far in a few lines of markdown. */
  private describe(): void {
    const v = this.view;
    const total = v.currency ? formatMoney(money(v.totalCents, v.currency)) : 'not priced yet';
    const lines = [
      `**Order ${v.orderId}** for customer ${v.customerId}: **${v.status}**`,
      `Total: ${total}${v.needsApproval ? ' (needs approval)' : ''}`,
      `Payment: ${v.payment.status}; shipments: ${v.shipments.map((s) => `${s.shipmentId} ${s.status}`).join(', ') || 'none'}`,
    ];
    if (v.failureReason) lines.push(`Failure: ${v.failureReason}`);
    if (v.pointOfNoReturn) lines.push(`With the carrier since ${v.pointOfNoReturn}: no longer cancellable`);
    if (v.needsAttention) lines.push(`**Needs attention:** ${v.needsAttention.reason}`);
    setCurrentDetails(lines.join('\n\n'));
  }
}
