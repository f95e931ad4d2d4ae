/**
 * The console's part of refunds without a return (goodwill): the inbox lists those waiting for an
 * approver, each with approve and reject forms. The decision goes through decideRefund, the API's
 * own (signed, bound to the refund's amount); the workflow has the last word (one who asked may not
 * decide it) and its refusal shows on the inbox.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  DECISION_ROLES,
  RMA_ID_PATTERN,
  formatMoney,
  formatZodError,
  freeTextSchema,
  type GoodwillView,
} from '../../domain';
import { staffIn, type Principal } from '../principal';
import type { RefundDecision } from '../../domain';
import { decideRefund, type RefundsApiDeps } from '../refunds';
import { html, type Html } from './html';
import { backWith, csrfField, dueIn, form, orderLink, section, sendRefusalPage, whoIs } from './shared';

/** Who sees the refunds waiting and their forms (the workflow also checks the approver's band). */
export const DECIDES_REFUNDS = DECISION_ROLES['approve-refund'];

const FORMS: Record<string, { decision: RefundDecision; field: 'note' | 'reason' }> = {
  approve: { decision: 'approve-refund', field: 'note' },
  reject: { decision: 'reject-refund', field: 'reason' },
};

export function refundPages(pages: FastifyInstance, deps: RefundsApiDeps): void {
  pages.post('/console/refunds/:refundId/:decision', { schema: { hide: true } }, async (request, reply) => {
    const { refundId, decision } = request.params as { refundId: string; decision: string };
    const kind = Object.hasOwn(FORMS, decision) ? FORMS[decision] : undefined;
    if (!kind || !RMA_ID_PATTERN.test(refundId)) return sendRefusalPage(request, reply, 404, 'Not found', html``);
    const text = textOf(form(request)[kind.field], kind.field);
    if (!text.ok) return backWith(reply, '/console', text);
    const outcome = await decideRefund(deps, whoIs(request), refundId, kind.decision, text.given);
    return backWith(
      reply,
      '/console',
      outcome.ok ? { ok: true, done: `${decision} refund ${refundId}` } : { ok: false, detail: outcome.detail },
    );
  });
}

/** A note may be left empty; a reason may not; neither may be malformed (nothing is decided then). */
function textOf(
  raw: string | undefined,
  field: 'note' | 'reason',
): { ok: true; given: { note?: string; reason?: string } } | { ok: false; detail: string } {
  if (field === 'note' && !raw?.trim()) return { ok: true, given: {} };
  const parsed = freeTextSchema(500).safeParse(raw);
  return parsed.success
    ? { ok: true, given: { [field]: parsed.data } }
    : { ok: false, detail: formatZodError(parsed.error).replace(/^input:/, `${field}:`) };
}

/** The inbox's section: refunds waiting for an approver, oldest first, each with its two forms. */
export function refundsSection(request: FastifyRequest, waiting: GoodwillView[]): Html {
  const now = Date.now();
  return section(
    'Refunds',
    ['Refund', 'Order', 'Amount', 'Line', 'Asked by', 'Because', 'Answer due', 'Decide'],
    waiting.map((r) => [
      r.refundId,
      orderLink(r.orderId),
      formatMoney({ amountCents: r.amountCents, currency: r.currency ?? 'USD' }),
      r.sku ?? 'the order',
      r.requestedBy,
      r.reason,
      r.dueAt ? dueIn(Date.parse(r.dueAt) - now) : '',
      decisionForms(request, r.refundId),
    ]),
    'No refund waits for approval.',
    'Refunds without a return waiting for an approver, oldest first',
  );
}

function decisionForms(request: FastifyRequest, refundId: string): Html {
  const at = `/console/refunds/${encodeURIComponent(refundId)}`;
  const id = (field: string) => `${field}-${refundId}`;
  return html`<form class="inline" method="post" action="${at}/approve">
      ${csrfField(request)} <label for="${id('note')}">Note (optional)</label
      ><input id="${id('note')}" name="note" maxlength="500" />
      <p><button type="submit">Approve refund</button></p>
    </form>
    <form class="inline" method="post" action="${at}/reject">
      ${csrfField(request)} <label for="${id('reason')}">Reason</label
      ><input id="${id('reason')}" name="reason" maxlength="500" required />
      <p><button type="submit">Reject refund</button></p>
    </form>`;
}

/** Whether the inbox shows `who` the refunds waiting. */
export const seesRefunds = (who: Principal) => staffIn(who, DECIDES_REFUNDS);
