/**
 * The console's returns: the warehouse's queue of returns whose parcel arrived, and a return's page
 * with its lines, parcel, refund and history; for the warehouse and admins, the inspection form
 * (accepted units, condition, note per line). The verdict goes through inspectReturn, the API's own
 * (signed for the workflow, which has the last word: its refusal shows on the page). Other staff see
 * a return read-only; a customer only a return of their own order (mayReachReturn).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  DECISION_ROLES,
  RETURN_CONDITIONS,
  RETURN_TERMINAL,
  RMA_ID_PATTERN,
  formatMoney,
  formatZodError,
  type ReturnView,
} from '../../domain';
import { readReturn, waitingInspections, type WaitingInspection } from '../../../activities/returns/store/returns';
import { staffIn } from '../principal';
import {
  InspectLinesSchema,
  inspectReturn,
  mayReachReturn,
  returnFor as shownTo,
  type ReturnsApiDeps,
} from '../returns';
import { html, type Html } from './html';
import {
  HTML,
  backWith,
  csrfField,
  flashes,
  form,
  minutes,
  orderLink,
  pageFor,
  section,
  sendRefusalPage,
  utc,
  whoIs,
  dataTable,
} from './shared';

/** Who inspects returns, and so sees the queue and the form. */
export const INSPECTS = DECISION_ROLES.inspect;

const returnPath = (rmaId: string) => `/console/returns/${encodeURIComponent(rmaId)}`;
const returnLink = (rmaId: string) => html`<a href="${returnPath(rmaId)}">${rmaId}</a>`;

export function returnPages(pages: FastifyInstance, deps: ReturnsApiDeps): void {
  pages.get('/console/returns', { schema: { hide: true } }, async (request, reply) => {
    if (!staffIn(whoIs(request), INSPECTS))
      return sendRefusalPage(request, reply, 403, 'Returns', refusedLine('Only the warehouse or an admin inspects.'));
    return reply.type(HTML).send(pageFor(request, 'Returns', inspectionsSection(await waitingInspections(deps.pool))));
  });
  pages.get('/console/returns/:rmaId', { schema: { hide: true } }, async (request, reply) => {
    const { rmaId } = request.params as { rmaId: string };
    const found = await returnFor(deps, request, rmaId);
    if (!found) return sendRefusalPage(request, reply, 404, 'Return not found', html`<p>No return ${rmaId}.</p>`);
    return reply.type(HTML).send(returnPage(request, found));
  });
  pages.post('/console/returns/:rmaId/inspect', { schema: { hide: true } }, async (request, reply) => {
    const { rmaId } = request.params as { rmaId: string };
    const found = await returnFor(deps, request, rmaId);
    if (!found) return sendRefusalPage(request, reply, 404, 'Return not found', html`<p>No return ${rmaId}.</p>`);
    const verdicts = InspectLinesSchema.safeParse(verdictsOf(form(request), found.lines));
    if (!verdicts.success)
      return backWith(reply, returnPath(rmaId), { ok: false, detail: bySku(formatZodError(verdicts.error), found) });
    const outcome = await inspectReturn(deps, whoIs(request), rmaId, verdicts.data);
    return backWith(reply, returnPath(rmaId), outcome.ok ? { ok: true, done: 'inspect' } : outcome);
  });
}

const refusedLine = (text: string) => html`<p class="flash error">${text}</p>`;

/** The return, when the session may see it (a customer: only one of their own orders); otherwise as if none. */
async function returnFor(deps: ReturnsApiDeps, request: FastifyRequest, rmaId: string) {
  if (!RMA_ID_PATTERN.test(rmaId)) return undefined;
  const found = await readReturn(deps.pool, rmaId);
  const who = whoIs(request);
  return found && (await mayReachReturn(deps.pool, who, found.orderId))
    ? { ...shownTo(who, found), customerId: found.customerId }
    : undefined;
}

/**
 * The form's fields as the inspection's lines, one per line of the return (in its order): the
 * return's own SKUs, so a form cannot name others. A count that is not a whole number is left as
 * typed for the schema to refuse with its reason.
 */
function verdictsOf(body: Record<string, string | undefined>, lines: ReturnView['lines']): unknown[] {
  return lines.map((line, i) => {
    const accepted = body[`accepted-${i}`]?.trim() ?? '';
    const note = body[`note-${i}`]?.trim();
    return {
      sku: line.sku,
      accepted: /^\d{1,6}$/.test(accepted) ? Number(accepted) : accepted,
      condition: body[`condition-${i}`],
      ...(note ? { note } : {}),
    };
  });
}

/** The schema's complaints with each line named by its SKU, not by its place in the form ("0.accepted: …"). */
const bySku = (detail: string, view: ReturnView) =>
  detail.replace(/(^|; )(\d+)\./g, (_all, sep: string, i: string) => `${sep}${view.lines[Number(i)]?.sku ?? i}: `);

export function inspectionsSection(waiting: WaitingInspection[]): Html {
  const now = Date.now();
  return section(
    'Waiting for inspection',
    ['Return', 'Order', 'Units', 'Warehouse', 'Received (UTC)', 'Waiting'],
    waiting.map((r) => [
      returnLink(r.rmaId),
      orderLink(r.orderId),
      String(r.units),
      r.warehouseId ?? '',
      utc(r.receivedAt),
      minutes(now - Date.parse(r.receivedAt)),
    ]),
    'No return waits for inspection.',
    'Returns whose parcel arrived, longest waiting first',
  );
}

function returnPage(request: FastifyRequest, view: ReturnView): string {
  const money = (cents: number) => formatMoney({ amountCents: cents, currency: view.currency ?? 'USD' });
  const inspectable = view.status === 'Received' && staffIn(whoIs(request), INSPECTS);
  const body = html`${flashes(request)}
    <p>
      <strong id="return-status">${view.status}</strong> · order ${orderLink(view.orderId)} · asked because:
      ${view.reason}
    </p>
    ${view.note ? html`<p class="muted">${view.note}</p>` : ''}
    <h2>Parcel</h2>
    ${parcelLine(view)}
    <h2>Refund</h2>
    <p id="return-refund">
      ${money(view.refundedCents)} refunded${view.inspectedBy ? html` · inspected by ${view.inspectedBy}` : ''}
    </p>
    <h2>Lines</h2>
    ${linesTable(view, money)} ${inspectable ? inspectionForm(request, view) : ''}
    <h2>History</h2>
    ${historyTable(view)}`;
  // Without JavaScript the page refreshes while the parcel is on its way; never while it is inspected.
  const moving = !RETURN_TERMINAL.includes(view.status) && view.status !== 'Received';
  return pageFor(request, `Return ${view.rmaId}`, body, moving ? 5 : undefined);
}

function parcelLine(view: ReturnView): Html {
  if (!view.shipmentId) return html`<p class="muted">No parcel yet.</p>`;
  const due = view.parcelDueAt ? html` · due by ${utc(view.parcelDueAt)} UTC` : '';
  return html`<p>${view.shipmentId}${due}</p>`;
}

function linesTable(view: ReturnView, money: (cents: number) => string): Html {
  const rows = view.lines.map((l) => [
    l.sku,
    String(l.quantity),
    l.unitPriceCents === undefined ? '' : money(l.unitPriceCents),
    l.accepted === undefined ? '' : String(l.accepted),
    l.condition ?? '',
    l.note ?? '',
  ]);
  return dataTable(['SKU', 'Asked back', 'Unit price', 'Accepted', 'Condition', 'Note'], rows, { id: 'return-lines' });
}

/** One fieldset per line: how many units are accepted (all, unless changed), their condition, a note. */
function inspectionForm(request: FastifyRequest, view: ReturnView): Html {
  const line = (l: ReturnView['lines'][number], i: number) =>
    html`<fieldset>
      <legend>${l.sku}: ${l.quantity} asked back</legend>
      <label for="accepted-${i}">${l.sku}: accepted</label
      ><input
        id="accepted-${i}"
        name="accepted-${i}"
        type="number"
        min="0"
        max="${l.quantity}"
        value="${l.quantity}"
        required
      />
      <label for="condition-${i}">${l.sku}: condition</label
      ><select id="condition-${i}" name="condition-${i}">
        ${RETURN_CONDITIONS.map((c) => html`<option value="${c}">${c}</option>`)}
      </select>
      <label for="note-${i}">${l.sku}: note (optional)</label><input id="note-${i}" name="note-${i}" maxlength="500" />
    </fieldset>`;
  return html`<form method="post" action="${returnPath(view.rmaId)}/inspect">
    <h2>Inspection</h2>
    ${csrfField(request)} ${view.lines.map(line)}
    <p><button type="submit">Record inspection</button></p>
  </form>`;
}

function historyTable(view: ReturnView): Html {
  const rows = view.history.map((h) => [utc(h.at), h.status, h.note ?? '']);
  return dataTable(['At (UTC)', 'Status', 'Note'], rows, { id: 'return-history' });
}

/** The order page's part: its returns, each linked to its page, and what they refunded. */
export function orderReturnsSection(
  returns: Array<{ rmaId: string; status: string; refundedCents: number }>,
  returnedCents: number,
  money: (cents: number) => string,
): Html {
  if (returns.length === 0)
    return html`<h2>Returns</h2>
      <p class="muted">None.</p>`;
  return html`<h2>Returns</h2>
    <ul id="order-returns">
      ${returns.map((r) => html`<li>${returnLink(r.rmaId)}: ${r.status}, refunded ${money(r.refundedCents)}</li>`)}
    </ul>
    <p>Returns refunded ${money(returnedCents)} in all.</p>`;
}
