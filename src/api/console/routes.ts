/**
 * The web console: server-rendered pages on the API's server, for approvers, operators and the
 * warehouse (returns: returns.ts; goodwill refunds: refunds.ts). Plain forms (they work without
 * JavaScript), the staff session cookie, a CSRF token in every form, and the same decisions as the
 * API (makeDecision: signed for the workflow). An order page refreshes itself while the order moves.
 */
import { randomBytes } from 'node:crypto';
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { OidcSettings } from '../../config';
import {
  DECISION_ROLES,
  DECISIONS,
  IdSchema,
  formatMoney,
  formatZodError,
  freeTextSchema,
  isTerminal,
  type Decision,
} from '../../domain';
import { RECOVERS, SEES_ATTENTION, ordersNeedingAttention, recoverFor } from '../attention';
import { makeDecision, waitingApprovals, type DecisionsApiDeps } from '../decisions';
import { customerOrders, readOrderViewAs } from '../orders';
import { waitingGoodwill } from '../../../activities/returns/store/goodwill';
import { waitingInspections } from '../../../activities/returns/store/returns';
import { SESSION_COOKIE, sameSecret, staffIn } from '../principal';
import { LOGIN_RATE_LIMIT, sessionCookie } from '../session';
import { SESSION_TTL_MS, USERNAME, logIn, logOut, sessionOf } from '../staff';
import { STYLESHEET, html, page } from './html';
import { LIVE_SCRIPT } from './live';
import { READS_MAILBOX, mailboxBody } from './mailbox';
import { refundPages, refundsSection, seesRefunds } from './refunds';
import { INSPECTS, inspectionsSection, orderReturnsSection, returnPages } from './returns';
import { HTML, back, dueIn, flashes, form, minutes, orderLink, pageFor, query, section, whoIs } from './shared';

export interface ConsoleDeps extends DecisionsApiDeps {
  /** Where the orders' workflows run (a recovery starts there). */
  taskQueuePrefix?: string;
  /** The order's page in the Temporal Web UI, when there is one to link to. */
  orderUrl?: (orderId: string) => string;
  /** Sign-in through the company's identity provider (oidc.ts), when configured: the login page offers it. */
  oidc?: OidcSettings;
}

export async function consoleRoutes(app: FastifyInstance, deps: ConsoleDeps): Promise<void> {
  await app.register(formbody, { bodyLimit: 16 * 1024 });
  app.get('/console/style.css', { schema: { hide: true } }, (_request, reply) =>
    reply.type('text/css; charset=utf-8').send(STYLESHEET),
  );
  app.get('/console/live.js', { schema: { hide: true } }, (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').send(LIVE_SCRIPT),
  );
  const offerOidc = deps.oidc !== undefined;
  app.get('/console/login', { schema: { hide: true } }, (request, reply) =>
    sendLoginPage(request, reply, { status: 200, error: query(request).error, offerOidc }),
  );
  app.post(
    '/console/login',
    { schema: { hide: true }, config: { rateLimit: LOGIN_RATE_LIMIT } },
    async (request, reply) => {
      const { username = '', password = '', _login = '' } = form(request);
      const again = (status: number, error: string) => sendLoginPage(request, reply, { status, error, offerOidc });
      // Login CSRF: only our own form, from this browser, logs it in (another site cannot read the cookie).
      if (!request.cookies[LOGIN_COOKIE] || !sameSecret(_login, request.cookies[LOGIN_COOKIE]))
        return again(403, 'This form is stale: log in again.');
      const session = USERNAME.test(username) && password ? await logIn(deps.pool, username, password) : 'wrong';
      if (session === 'limited') return again(429, 'Too many wrong passwords for that name: wait a minute.');
      if (session === 'wrong') return again(401, 'That name and password do not work.');
      reply.clearCookie(LOGIN_COOKIE, { path: '/console/login' });
      return back(
        reply.setCookie(SESSION_COOKIE, session.token, { ...sessionCookie(request), maxAge: SESSION_TTL_MS / 1000 }),
        '/console',
      );
    },
  );
  await app.register(async (pages) => {
    pages.addHook('preHandler', async (request, reply) => {
      const token = request.cookies[SESSION_COOKIE];
      const session = token ? await sessionOf(deps.pool, token) : undefined;
      if (!session || !token) return back(reply, '/console/login');
      request.staff = { ...session, token };
      // Every change carries the session's CSRF token: a form of another site cannot know it.
      if (request.method === 'POST' && !sameSecret(form(request)._csrf, session.csrfToken))
        return reply
          .code(403)
          .type(HTML)
          .send(
            pageFor(
              request,
              'Refused',
              html`<p class="flash error">
                This form is stale or not ours (no CSRF token). Reload the page and try again.
              </p>`,
            ),
          );
      return undefined;
    });
    pages.get('/console', { schema: { hide: true } }, async (request, reply) =>
      reply.type(HTML).send(await inboxPage(deps, request)),
    );
    pages.get('/console/orders/:orderId', { schema: { hide: true } }, async (request, reply) => {
      const orderId = (request.params as { orderId: string }).orderId;
      // Staff see any order; a customer only their own (any other is "not found", as if it did not exist).
      const who = whoIs(request);
      const view = IdSchema.safeParse(orderId).success ? await readOrderViewAs(deps, who, orderId) : undefined;
      if (!view)
        return reply
          .code(404)
          .type(HTML)
          .send(pageFor(request, 'Order not found', html`<p>No order ${orderId}.</p>`));
      return reply.type(HTML).send(orderPage(deps, request, orderId, view));
    });
    pages.get('/console/mailbox', { schema: { hide: true } }, async (request, reply) => {
      if (!staffIn(whoIs(request), READS_MAILBOX))
        return reply
          .code(403)
          .type(HTML)
          .send(pageFor(request, 'Mailbox', html`<p class="flash error">Only an operator or an admin reads it.</p>`));
      const { order } = query(request);
      const orderId = order && IdSchema.safeParse(order).success ? order : undefined;
      return reply.type(HTML).send(pageFor(request, 'Mailbox', await mailboxBody(deps.pool, orderId)));
    });
    pages.post('/console/orders/:orderId/:decision', { schema: { hide: true } }, async (request, reply) => {
      const { orderId, decision } = request.params as { orderId: string; decision: string };
      const kind = DECISIONS.find((d) => d === decision);
      if (!kind || !IdSchema.safeParse(orderId).success)
        return reply
          .code(404)
          .type(HTML)
          .send(pageFor(request, 'Not found', html``));
      const at = `/console/orders/${encodeURIComponent(orderId)}`;
      const field = kind === 'approve' ? 'note' : 'reason';
      const raw = form(request)[field];
      // A note may be left empty; a reason may not; neither may be malformed (nothing is decided then).
      const text = kind === 'approve' && !raw?.trim() ? undefined : freeTextSchema(500).safeParse(raw);
      if (text && !text.success)
        return back(
          reply,
          `${at}?error=${encodeURIComponent(formatZodError(text.error).replace(/^input:/, `${field}:`))}`,
        );
      const given = text?.success ? { [field]: text.data } : {};
      const outcome = await makeDecision(deps, whoIs(request), orderId, kind, given);
      return back(reply, outcome.ok ? `${at}?done=${kind}` : `${at}?error=${encodeURIComponent(outcome.detail)}`);
    });
    pages.post('/console/orders/:orderId/recover', { schema: { hide: true } }, async (request, reply) => {
      const { orderId } = request.params as { orderId: string };
      const at = `/console/orders/${encodeURIComponent(orderId)}`;
      if (!staffIn(whoIs(request), RECOVERS))
        return back(reply, `${at}?error=${encodeURIComponent('role: only an operator or an admin recovers an order')}`);
      if (!IdSchema.safeParse(orderId).success)
        return reply
          .code(404)
          .type(HTML)
          .send(pageFor(request, 'Not found', html``));
      const outcome = await recoverFor(deps, orderId);
      return back(reply, outcome.ok ? `${at}?done=recover` : `${at}?error=${encodeURIComponent(outcome.detail)}`);
    });
    returnPages(pages, deps);
    refundPages(pages, deps);
    pages.post('/console/logout', { schema: { hide: true } }, async (request, reply) => {
      await logOut(deps.pool, request.staff!.token);
      return back(reply.clearCookie(SESSION_COOKIE, sessionCookie(request)), '/console/login');
    });
  });
}

const LOGIN_COOKIE = 'dos_login';

/** The login form's token: a random value in an HttpOnly, SameSite=Strict cookie and in the form (double submit). */
function loginToken(request: FastifyRequest, reply: FastifyReply): string {
  const token = request.cookies[LOGIN_COOKIE] ?? randomBytes(24).toString('base64url');
  reply.setCookie(LOGIN_COOKIE, token, { ...sessionCookie(request), path: '/console/login', maxAge: 3600 });
  return token;
}

/** The login page (with a fresh form token), `error` above the form: a refused login answers it with its status. */
export function sendLoginPage(
  request: FastifyRequest,
  reply: FastifyReply,
  opts: { status: number; error?: string; offerOidc: boolean },
): FastifyReply {
  return reply
    .code(opts.status)
    .type(HTML)
    .send(loginPage(loginToken(request, reply), opts.error, opts.offerOidc));
}

function loginPage(loginToken: string, error: string | undefined, offerOidc: boolean): string {
  return page(
    'Log in',
    html`${error ? html`<p class="flash error" role="alert">${error}</p>` : ''}
      ${offerOidc ? html`<p><a href="/v1/session/oidc" id="oidc-login">Sign in with company account</a></p>` : ''}
      <form method="post" action="/console/login">
        <input type="hidden" name="_login" value="${loginToken}" />
        <label for="username">User name</label
        ><input id="username" name="username" autocomplete="username" required autofocus />
        <label for="password">Password</label
        ><input id="password" name="password" type="password" autocomplete="current-password" required />
        <p><button type="submit">Log in</button></p>
      </form>`,
  );
}

async function inboxPage(deps: ConsoleDeps, request: FastifyRequest): Promise<string> {
  const who = whoIs(request);
  if (who.kind === 'customer')
    return pageFor(
      request,
      'Your orders',
      yourOrdersSection((await customerOrders(deps.pool, who.customerId, { limit: 50 })).slice(0, 50)),
    );
  const sections = [
    staffIn(who, DECISION_ROLES.approve) ? approvalsSection(await waitingApprovals(deps.pool)) : '',
    seesRefunds(who) ? refundsSection(request, await waitingGoodwill(deps.pool)) : '',
    staffIn(who, INSPECTS) ? inspectionsSection(await waitingInspections(deps.pool)) : '',
    staffIn(who, SEES_ATTENTION) ? attentionSection(await ordersNeedingAttention(deps.pool)) : '',
  ];
  return pageFor(request, 'Inbox', html`${flashes(request)}${sections}`);
}

function approvalsSection(waiting: Awaited<ReturnType<typeof waitingApprovals>>) {
  const now = Date.now();
  return section(
    'Approvals',
    ['Order', 'Total', 'Waiting', 'Asked because', 'Answer due'],
    waiting.map((a) => [
      orderLink(a.orderId),
      formatMoney({ amountCents: a.totalCents, currency: a.currency }),
      minutes(now - Date.parse(a.waitingSince)),
      a.rule ?? '',
      a.dueAt ? dueIn(Date.parse(a.dueAt) - now) : '',
    ]),
    'Nothing waits for approval.',
    'Orders waiting for an approver, oldest first',
  );
}

function yourOrdersSection(orders: Awaited<ReturnType<typeof customerOrders>>) {
  return section(
    'Latest first',
    ['Order', 'Placed (UTC)', 'Status', 'Total'],
    orders.map((o) => [
      orderLink(o.orderId),
      o.placedAt.replace('T', ' ').slice(0, 19),
      o.status,
      formatMoney({ amountCents: o.totalCents, currency: o.currency }),
    ]),
    'No orders yet.',
  );
}

function attentionSection(orders: Awaited<ReturnType<typeof ordersNeedingAttention>>) {
  return section(
    'Needs attention',
    ['Order', 'Status', 'Why', 'Since (UTC)'],
    orders.map((o) => [orderLink(o.orderId), o.status, o.reason, o.since.replace('T', ' ').slice(0, 19)]),
    'Nothing needs people now.',
  );
}

function orderPage(
  deps: ConsoleDeps,
  request: FastifyRequest,
  orderId: string,
  view: NonNullable<Awaited<ReturnType<typeof readOrderViewAs>>>,
): string {
  const who = whoIs(request);
  const { done, error } = query(request);
  // A customer may cancel their own order (before its first parcel leaves), and decide nothing else.
  const can = (d: Decision) => (who.kind === 'customer' ? d === 'cancel' : staffIn(who, DECISION_ROLES[d]));
  const csrf = html`<input type="hidden" name="_csrf" value="${request.staff!.csrfToken}" />`;
  const waiting = view.status === 'AwaitingApproval';
  const recoverForm =
    staffIn(who, RECOVERS) && (view.needsAttention || !isTerminal(view.status))
      ? html`<form class="inline" method="post" action="/console/orders/${encodeURIComponent(orderId)}/recover">
          ${csrf}
          <p class="muted">Its run stopped without settling it? Recover settles it (refund, release, bookings).</p>
          <button type="submit">Recover</button>
        </form>`
      : '';
  const decisionForms = html`${
    waiting && can('approve')
      ? html`<form class="inline" method="post" action="/console/orders/${encodeURIComponent(orderId)}/approve">
            ${csrf} <label for="note">Note (optional)</label><input id="note" name="note" maxlength="500" />
            <p><button type="submit">Approve</button></p>
          </form>
          <form class="inline" method="post" action="/console/orders/${encodeURIComponent(orderId)}/reject">
            ${csrf} <label for="reject-reason">Reason</label
            ><input id="reject-reason" name="reason" maxlength="500" required />
            <p><button type="submit">Reject</button></p>
          </form>`
      : ''
  }${
    !isTerminal(view.status) && !view.pointOfNoReturn && can('cancel')
      ? html`<form class="inline" method="post" action="/console/orders/${encodeURIComponent(orderId)}/cancel">
          ${csrf} <label for="cancel-reason">Cancel: reason</label
          ><input id="cancel-reason" name="reason" maxlength="500" required />
          <p><button type="submit">Cancel order</button></p>
        </form>`
      : ''
  }`;
  const timeline = view.history.map(
    (h) =>
      html`<tr>
        <td>${h.at.replace('T', ' ').slice(0, 19)}</td>
        <td>${h.status}</td>
        <td>${h.note ?? ''}</td>
      </tr>`,
  );
  const parcels = view.shipments.map((s) => html`<li>${s.shipmentId} from ${s.warehouseId}: ${s.status}</li>`);
  const money = (cents: number) => formatMoney({ amountCents: cents, currency: view.currency ?? 'USD' });
  const body = html`${done ? html`<p class="flash" role="status">Done: ${done}.</p>` : ''}${error ? html`<p class="flash error" role="alert">Refused: ${error}</p>` : ''}
    <p>
      <strong id="order-status">${view.status}</strong> · total
      ${money(view.totalCents)}${view.failureReason ? html` · ${view.failureReason}` : ''}${
        deps.orderUrl && who.kind === 'staff' ? html` · <a href="${deps.orderUrl(orderId)}">Temporal Web UI</a>` : ''
      }
    </p>
    ${view.needsAttention ? html`<p class="flash error">Needs attention since ${view.needsAttention.since}: ${view.needsAttention.reason}</p>` : ''}
    ${decisionForms} ${recoverForm}
    <h2>Payment</h2>
    <p>
      ${view.payment.status}: authorized ${money(view.payment.authorizedCents)}, captured
      ${money(view.payment.capturedCents)}, refunded ${money(view.payment.refundedCents)}
    </p>
    ${orderReturnsSection(view.returns, view.returnedCents, money)}
    <h2>Parcels</h2>
    ${
      parcels.length
        ? html`<ul>
            ${parcels}
          </ul>`
        : html`<p class="muted">None yet.</p>`
    }
    <h2>Timeline</h2>
    <table id="timeline">
      <thead>
        <tr>
          <th scope="col">At (UTC)</th>
          <th scope="col">Status</th>
          <th scope="col">Note</th>
        </tr>
      </thead>
      <tbody>
        ${timeline}
      </tbody>
    </table>`;
  // While it runs, the page follows it: live over Server-Sent Events (live.js), or, without
  // JavaScript, a refresh every two seconds once it moves (not while a decision is being typed).
  const live = isTerminal(view.status)
    ? body
    : html`${body}
        <div data-live-order="${orderId}" data-shown="${view.history.length}"></div>
        <script src="/console/live.js"></script>`;
  return pageFor(request, `Order ${orderId}`, live, isTerminal(view.status) || waiting ? undefined : 2);
}
