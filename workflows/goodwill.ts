import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  setHandler,
} from '@temporalio/workflow';
import {
  DEFAULT_GOODWILL_APPROVAL_CENTS,
  ERROR_TYPES,
  approversFor,
  goodwillRefundPart,
  goodwillSays,
  isApprover,
  returnRulesOf,
  whyNotValidClaims,
  type GoodwillDecisionInput,
  type GoodwillRequest,
  type GoodwillStatus,
  type GoodwillView,
  type LoadedPolicy,
  type RefundDecision,
} from '../src/domain/deterministic';
import { returnServices } from './activity-proxies';
import { approveRefundUpdate, goodwillOpenedUpdate, goodwillQuery, rejectRefundUpdate } from './goodwill-api';
import { failureMessage, hasFailureType } from './failure-reason';
import { awaitHumanDecision } from './human-task';

type Verdict = { approved: boolean; by: string; text?: string };

/**
 * A refund without a return (`refund-<refundId>`): checked against what is left of the order's
 * payment and the line's price, then, at or above the rule set's threshold, the approval pattern
 * (workflows/human-task.ts: reminders, a deadline, a signed decision by an approver of the
 * amount's band who is not the one who asked), then one partial refund at the provider.
 */
export async function goodwillRefundWorkflow(request: GoodwillRequest): Promise<GoodwillView> {
  const run = new GoodwillRun(request);
  run.listen();
  await run.main();
  await condition(allHandlersFinished);
  return run.view;
}

class GoodwillRun {
  readonly acts = returnServices();
  readonly view: GoodwillView;
  private verdict?: Verdict;
  private readonly seenNonces: string[] = [];

  constructor(private readonly request: GoodwillRequest) {
    this.view = {
      refundId: request.refundId,
      orderId: request.orderId,
      status: 'Requested',
      amountCents: request.amountCents,
      ...(request.sku ? { sku: request.sku } : {}),
      reason: request.reason,
      requestedBy: request.requestedBy,
      refundedCents: 0,
    };
  }

  listen(): void {
    setHandler(goodwillQuery, () => this.view);
    setHandler(goodwillOpenedUpdate, async () => {
      await condition(() => this.view.status !== 'Requested');
      return this.view;
    });
    for (const [update, decision] of [
      [approveRefundUpdate, 'approve-refund'],
      [rejectRefundUpdate, 'reject-refund'],
    ] as const)
      setHandler(update, (input) => this.decide(decision, input), {
        validator: (input) => {
          const why = this.whyNotDecide(decision, input);
          if (why) throw ApplicationFailure.nonRetryable(why, 'Refused');
        },
      });
  }

  async main(): Promise<void> {
    const policy = await this.acts.loadPolicy();
    const opened = await this.acts.openGoodwill(this.request);
    if (!opened.ok) return this.transition('Refused', opened.reason);
    this.view.currency = opened.currency;
    const rules = returnRulesOf(policy.rules.rules);
    if (this.request.amountCents >= (rules.goodwillApprovalCents ?? DEFAULT_GOODWILL_APPROVAL_CENTS)) {
      const approved = await this.approval(policy);
      if (!approved) return;
    }
    await CancellationScope.nonCancellable(() => this.refund());
  }

  /** The approval pattern: asked of the amount's approvers, reminded, decided or timed out. */
  private async approval(policy: LoadedPolicy): Promise<boolean> {
    const approvers = approversFor(this.request.amountCents, policy.rules.rules, policy.approvers);
    const dueAt = new Date(Date.now() + policy.approvalTimeoutMs).toISOString();
    this.view.approvers = approvers;
    this.view.dueAt = dueAt;
    await this.record('AwaitingApproval', { approvers, dueAt });
    const decided = await awaitHumanDecision({
      decided: () => this.verdict !== undefined,
      windowMs: policy.approvalTimeoutMs,
      remind: async (kind) => {
        await this.acts.recordGoodwillStatus({
          refundId: this.request.refundId,
          status: 'AwaitingApproval',
          note: kind === 'half-way' ? 'approval reminder' : 'approval last call',
        });
      },
      lastCallMs: () => Math.floor(policy.approvalTimeoutMs / 10),
    });
    delete this.view.dueAt;
    const v = this.verdict;
    if (!decided || !v) {
      await this.record('Rejected', { note: 'no decision within the approval window' });
      return false;
    }
    this.view.decidedBy = v.by;
    if (!v.approved) await this.record('Rejected', { note: v.text ?? 'rejected', decidedBy: v.by });
    return v.approved;
  }

  private async refund(): Promise<void> {
    const { orderId, refundId, amountCents } = this.request;
    try {
      const { refundedCents } = await this.acts.refundPart({
        orderId,
        part: goodwillRefundPart(refundId),
        amountCents,
      });
      this.view.refundedCents = refundedCents;
      await this.record('Refunded', {
        refundedCents,
        ...(this.view.decidedBy ? { decidedBy: this.view.decidedBy } : {}),
      });
    } catch (err) {
      // The provider refused (more than is left): nothing moved; say why. Anything else is retried above.
      if (!hasFailureType(err, ERROR_TYPES.RefundExceedsCapture)) throw err;
      await this.record('Refused', { note: failureMessage(err, ERROR_TYPES.RefundExceedsCapture) });
    }
  }

  private whyNotDecide(decision: RefundDecision, input: GoodwillDecisionInput | undefined): string | undefined {
    const { refundId } = this.request;
    if (this.view.status !== 'AwaitingApproval')
      return `refund ${refundId} is ${this.view.status}, not AwaitingApproval`;
    if (this.verdict) return `refund ${refundId} already has a decision`;
    const claims = whyNotValidClaims(input?.proof, refundId, decision, Date.now(), this.seenNonces);
    if (claims) return claims;
    const by = input!.proof!.by;
    if (by === this.request.requestedBy) return `"${by}" asked for refund ${refundId}: they may not decide it`;
    if (!isApprover(by, this.view.approvers ?? [])) return `"${by}" is not an authorised approver of this amount`;
    return undefined;
  }

  private async decide(decision: RefundDecision, input: GoodwillDecisionInput): Promise<GoodwillView> {
    const proof = input.proof!;
    const says = goodwillSays(
      { amountCents: this.request.amountCents, currency: this.view.currency ?? '' },
      decision,
      input,
    );
    const { refused } = await CancellationScope.nonCancellable(() => this.acts.verifyDecision({ proof, says }));
    if (refused) throw ApplicationFailure.nonRetryable(refused, 'Refused');
    if (this.seenNonces.includes(proof.nonce) || this.verdict)
      throw ApplicationFailure.nonRetryable('the signed decision was already used (replayed nonce)', 'Refused');
    this.seenNonces.push(proof.nonce);
    const text = decision === 'approve-refund' ? input.note : input.reason;
    this.verdict = { approved: decision === 'approve-refund', by: proof.by, ...(text ? { text } : {}) };
    await condition(() => ['Refunded', 'Rejected', 'Refused'].includes(this.view.status));
    return this.view;
  }

  private transition(status: GoodwillStatus, note?: string): void {
    this.view.status = status;
    if (note) this.view.note = note;
  }

  private async record(
    status: GoodwillStatus,
    extra: { note?: string; approvers?: string[]; dueAt?: string; decidedBy?: string; refundedCents?: number } = {},
  ): Promise<void> {
    await this.acts.recordGoodwillStatus({ refundId: this.request.refundId, status, ...extra });
    this.transition(status, extra.note);
  }
}
