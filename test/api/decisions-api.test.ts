/**
 * Staff and decisions through the Orders API on the real stack: argon2id logins (rate-limited),
 * sessions as bearer tokens and as cookies with CSRF, roles, the approvers' queue, and approve /
 * cancel that reach the workflow signed by the API (the history names who, in which role).
 */
import type { FastifyInstance } from 'fastify';
import { createApiKey } from '../../src/api/keys';
import { LOGIN_ATTEMPTS } from '../../src/api/session';
import { addStaffUser, disableStaffUser, type StaffRole } from '../../src/api/staff';
import { orderRequest, paymentOps, seedSku, stockOf, testPolicy, uid } from '../support/orders';
import { cliEnv } from '../support/cli';
import { runCli } from '../support/processes';
import { startTestApi } from '../support/api';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestWorkers, type TestWorkers } from '../support/workers';
import { buildTestApi } from '../support/api';

let stack: TestWorkers;
let api: FastifyInstance;
let shopKey: string;
const approver = uid('appr');
const placingAdmin = uid('adm');
let approverPassword: string;
beforeAll(async () => {
  // The order's approver band names this test's approver (the workers' policy, as in production).
  stack = await startTestWorkers(undefined, undefined, {
    policy: testPolicy({ approvers: [approver, placingAdmin] }),
  });
  api = await buildTestApi(stack);
  shopKey = (await createApiKey(stack.pool, uid('shop'))).key;
  approverPassword = (await addStaffUser(stack.pool, approver, 'approver'))!;
});
afterAll(async () => {
  await api.close();
  await stack.stop();
});

async function user(role: StaffRole, name = uid(role.replace('-', ''))) {
  const password = (await addStaffUser(stack.pool, name, role))!;
  return { name, password };
}

async function logIn(name: string, password: string) {
  const res = await api.inject({ method: 'POST', url: '/v1/session', payload: { username: name, password } });
  expect(res.statusCode).toBe(201);
  const { token, csrfToken } = res.json() as { token: string; csrfToken: string };
  return { token, csrfToken, cookie: res.cookies.find((c) => c.name === 'dos_session')! };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** An order of 1,200.00 through the storefront's key (or a staff session): above the threshold, it waits for approval. */
async function bigOrder(placer = bearer(shopKey), customerId?: string) {
  const sku = await seedSku(stack.pool, { priceCents: 120_000, stock: { east: 3 } });
  const body = orderRequest({ items: [{ sku, quantity: 1 }], ...(customerId ? { customerId } : {}) });
  const res = await api.inject({
    method: 'POST',
    url: '/v1/orders',
    payload: body,
    headers: { ...placer, 'idempotency-key': uid('k') },
  });
  expect(res.statusCode).toBe(201);
  const handle = stack.client.workflow.getHandle(`order-${body.orderId}`);
  for (let view = await handle.query('status'); (view as { status: string }).status !== 'AwaitingApproval';) {
    await new Promise((r) => setTimeout(r, 100));
    view = await handle.query('status');
  }
  return { orderId: body.orderId, sku, handle };
}

test('a login is argon2id-checked: a wrong password is a 401; a session is HttpOnly, SameSite=Strict; guessing is a 429', async () => {
  const alice = await user('operator');
  const { rows } = await stack.pool.query('SELECT password_hash FROM staff_users WHERE username = $1', [alice.name]);
  expect(rows[0].password_hash).toMatch(/^\$argon2id\$/);
  const wrong = await api.inject({
    method: 'POST',
    url: '/v1/session',
    payload: { username: alice.name, password: 'x' },
  });
  expect(wrong.statusCode).toBe(401);
  expect(wrong.headers['content-type']).toMatch(/^application\/problem\+json/);
  const session = await logIn(alice.name, alice.password);
  expect(session.cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
  const me = await api.inject({ method: 'GET', url: '/v1/session', headers: bearer(session.token) });
  expect(me.json()).toEqual({ kind: 'staff', username: alice.name, role: 'operator' });
  // Online guessing: after LOGIN_ATTEMPTS tries for a name from one address, the next is refused.
  const guesser = await user('approver');
  const codes: number[] = [];
  for (let i = 0; i <= LOGIN_ATTEMPTS; i++)
    codes.push(
      (
        await api.inject({
          method: 'POST',
          url: '/v1/session',
          payload: { username: guesser.name, password: `guess-${i}` },
        })
      ).statusCode,
    );
  expect(codes).toEqual([...Array<number>(LOGIN_ATTEMPTS).fill(401), 429]);
  const limited = await api.inject({
    method: 'POST',
    url: '/v1/session',
    payload: { username: guesser.name, password: guesser.password },
  });
  expect(limited.statusCode).toBe(429);
  expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(limited.headers['retry-after']).toBeDefined();
  // Guesses sent all at once: each counts before its hash is checked, so no more than the limit get one.
  const burster = await user('approver');
  const burst = await Promise.all(
    Array.from({ length: LOGIN_ATTEMPTS + 4 }, (_, i) =>
      api.inject({ method: 'POST', url: '/v1/session', payload: { username: burster.name, password: `burst-${i}` } }),
    ),
  );
  const answered = burst.map((r) => r.statusCode);
  expect(answered.filter((c) => c === 401).length).toBeLessThanOrEqual(LOGIN_ATTEMPTS);
  expect(answered.filter((c) => c === 429).length).toBeGreaterThanOrEqual(4);
  // Logging out ends the session; a disabled user's sessions end too.
  await api.inject({ method: 'DELETE', url: '/v1/session', headers: bearer(session.token) });
  expect((await api.inject({ method: 'GET', url: '/v1/session', headers: bearer(session.token) })).statusCode).toBe(
    401,
  );
  const other = await logIn(alice.name, alice.password);
  await disableStaffUser(stack.pool, alice.name);
  expect((await api.inject({ method: 'GET', url: '/v1/session', headers: bearer(other.token) })).statusCode).toBe(401);
});

test('an approver sees the queue and approves through the API; the workflow records who, signed; others may not', async () => {
  const { orderId, handle } = await bigOrder();
  const boss = await logIn(approver, approverPassword);
  const clerk = await user('customer-service');
  const clerkSession = await logIn(clerk.name, clerk.password);

  const queue = await api.inject({ method: 'GET', url: '/v1/approvals', headers: bearer(boss.token) });
  expect(queue.statusCode).toBe(200);
  expect(queue.json().approvals).toEqual(
    expect.arrayContaining([
      expect.objectContaining({
        orderId,
        totalCents: 120_000,
        currency: 'USD',
        rule: 'total 1,200.00 USD at or above 1,000.00 USD (rules v0)',
        dueAt: expect.stringMatching(/^\d{4}-/),
      }),
    ]),
  );
  for (const headers of [bearer(clerkSession.token), bearer(shopKey)])
    expect((await api.inject({ method: 'GET', url: '/v1/approvals', headers })).statusCode).toBe(403);
  const byClerk = await api.inject({
    method: 'POST',
    url: `/v1/orders/${orderId}/approve`,
    payload: {},
    headers: bearer(clerkSession.token),
  });
  expect(byClerk.statusCode).toBe(403);
  expect(byClerk.json().detail).toBe('role: a customer-service may not approve an order');
  const byShop = await api.inject({
    method: 'POST',
    url: `/v1/orders/${orderId}/approve`,
    payload: {},
    headers: bearer(shopKey),
  });
  expect(byShop.statusCode).toBe(403);

  // The console's way: the session cookie, which must come with its CSRF token.
  const cookie = { cookie: `dos_session=${boss.cookie.value}` };
  const noCsrf = await api.inject({
    method: 'POST',
    url: `/v1/orders/${orderId}/approve`,
    payload: {},
    headers: cookie,
  });
  expect(noCsrf.statusCode).toBe(403);
  expect(noCsrf.json().detail).toMatch(/^X-CSRF-Token: /);
  expect(await paymentOps(stack.pool, orderId)).toEqual([]);
  const approved = await api.inject({
    method: 'POST',
    url: `/v1/orders/${orderId}/approve`,
    payload: { note: 'known customer' },
    headers: { ...cookie, 'x-csrf-token': boss.csrfToken },
  });
  expect(approved.statusCode).toBe(200);
  expect(approved.json().approval).toMatchObject({ decision: 'approved', by: approver, role: 'approver' });
  const final = (await handle.result()) as { status: string; history: Array<{ note?: string }> };
  expect(final.status).toBe('Delivered');
  expect(final.history.map((h) => h.note)).toContain(
    `approved by ${approver} (approver, signed, client orders-api): known customer`,
  );
  expect((await paymentOps(stack.pool, orderId)).map((p) => p.operation)).toEqual(['authorize', 'capture']);
  // Decided: a second decision is the workflow's refusal, a 409 with its reason.
  const again = await api.inject({
    method: 'POST',
    url: `/v1/orders/${orderId}/reject`,
    payload: { reason: 'changed my mind' },
    headers: bearer(boss.token),
  });
  expect([404, 409]).toContain(again.statusCode); // closed (Delivered), or still running and decided
});

test('staff place orders too (customer service, operators, admins); the placer may not approve it, another approver does', async () => {
  const admin = await logIn(placingAdmin, (await addStaffUser(stack.pool, placingAdmin, 'admin'))!);
  const { orderId, handle } = await bigOrder(bearer(admin.token));
  const { rows } = await stack.pool.query('SELECT storefront FROM api_orders WHERE order_id = $1', [orderId]);
  expect(rows).toEqual([{ storefront: `staff:${placingAdmin}` }]);
  const own = await api.inject({
    method: 'POST',
    url: `/v1/orders/${orderId}/approve`,
    payload: {},
    headers: bearer(admin.token),
  });
  expect(own.statusCode).toBe(409);
  expect(own.json().detail).toBe(`"${placingAdmin}" placed order ${orderId}: the placer may not decide its approval`);
  expect(await paymentOps(stack.pool, orderId)).toEqual([]);
  const approverSession = await logIn(approver, approverPassword);
  const other = await api.inject({
    method: 'POST',
    url: `/v1/orders/${orderId}/approve`,
    payload: {},
    headers: bearer(approverSession.token),
  });
  expect(other.statusCode).toBe(200);
  expect(((await handle.result()) as { status: string }).status).toBe('Delivered');
  // An approver does not place orders: that is customer service's, an operator's or an admin's.
  const refused = await api.inject({
    method: 'POST',
    url: '/v1/orders',
    payload: orderRequest({ items: [{ sku: 'KB-001', quantity: 1 }] }),
    headers: { ...bearer(approverSession.token), 'idempotency-key': uid('k') },
  });
  expect(refused.statusCode).toBe(403);
});

test("a customer's account reads that customer's orders only: another's is a 404; it cancels its own, decides nothing else", async () => {
  const customerId = uid('cust');
  const mine = await bigOrder(bearer(shopKey), customerId);
  const theirs = await bigOrder(bearer(shopKey), uid('cust'));
  const name = uid('buyer');
  const customer = await logIn(name, (await addStaffUser(stack.pool, name, 'customer', customerId))!);
  const me = await api.inject({ method: 'GET', url: '/v1/session', headers: bearer(customer.token) });
  expect(me.json()).toEqual({ kind: 'customer', username: name, customerId });
  const read = (orderId: string) =>
    api.inject({ method: 'GET', url: `/v1/orders/${orderId}`, headers: bearer(customer.token) });
  const own = (await read(mine.orderId)).json();
  expect(own).toMatchObject({ orderId: mine.orderId, status: 'AwaitingApproval', totalCents: expect.any(Number) });
  // What concerns the customer: when each transition happened, not the staff's notes or rules.
  expect(own.history.length).toBeGreaterThan(0);
  for (const h of own.history) expect(Object.keys(h).sort()).toEqual(['at', 'status']);
  expect(own).not.toHaveProperty('rulesVersion');
  const other = await read(theirs.orderId);
  expect(other.statusCode).toBe(404);
  expect(other.json().detail).toBe(`orderId: no order ${theirs.orderId}`);
  const events = await api.inject({
    method: 'GET',
    url: `/v1/orders/${theirs.orderId}/events`,
    headers: bearer(customer.token),
  });
  expect(events.statusCode).toBe(404);
  const list = await api.inject({ method: 'GET', url: '/v1/orders', headers: bearer(customer.token) });
  expect(list.json().orders.map((o: { orderId: string }) => o.orderId)).toEqual([mine.orderId]);
  for (const [url, payload] of [
    [`/v1/orders/${mine.orderId}/approve`, {}],
    [`/v1/orders/${mine.orderId}/reject`, { reason: 'mine' }],
    ['/v1/orders', orderRequest({ items: [{ sku: 'KB-001', quantity: 1 }], customerId })],
  ] as const) {
    const res = await api.inject({
      method: 'POST',
      url,
      payload,
      headers: { ...bearer(customer.token), 'idempotency-key': uid('k') },
    });
    expect(res.statusCode).toBe(403);
  }
  for (const url of ['/v1/approvals', '/v1/attention', '/v1/catalog'])
    expect((await api.inject({ method: 'GET', url, headers: bearer(customer.token) })).statusCode).toBe(403);
  expect((await mine.handle.query('status')) as { status: string }).toMatchObject({ status: 'AwaitingApproval' });
  // It cancels its own order (before the first parcel leaves), as the customer; another's is a 404.
  const cancel = (orderId: string) =>
    api.inject({
      method: 'POST',
      url: `/v1/orders/${orderId}/cancel`,
      payload: { reason: 'ordered by mistake' },
      headers: bearer(customer.token),
    });
  expect((await cancel(theirs.orderId)).statusCode).toBe(404);
  const cancelled = await cancel(mine.orderId);
  expect(cancelled.statusCode).toBe(200);
  expect(cancelled.json()).toMatchObject({ status: 'Cancelled', failureReason: 'cancelled-by-customer' });
  expect(cancelled.json().history.every((h: object) => !('note' in h))).toBe(true); // its view, trimmed
  expect(await paymentOps(stack.pool, mine.orderId)).toEqual([]);
  expect(await stockOf(stack.pool, mine.sku)).toEqual({ east: { onHand: 3, reserved: 0 } });
  await theirs.handle.terminate('test cleanup');
});

test("a storefront cancels its own order for the customer (stock back, nothing charged); another's is a 404", async () => {
  const { orderId, sku, handle } = await bigOrder();
  const otherKey = (await createApiKey(stack.pool, uid('other-shop'))).key;
  const foreign = await api.inject({
    method: 'POST',
    url: `/v1/orders/${orderId}/cancel`,
    payload: { reason: 'not mine' },
    headers: bearer(otherKey),
  });
  expect(foreign.statusCode).toBe(404);
  const bad = await api.inject({
    method: 'POST',
    url: `/v1/orders/${orderId}/cancel`,
    payload: {},
    headers: bearer(shopKey),
  });
  expect(bad.statusCode).toBe(400);
  expect(bad.json().detail).toMatch(/^reason: /);
  const cancelled = await api.inject({
    method: 'POST',
    url: `/v1/orders/${orderId}/cancel`,
    payload: { reason: 'customer changed their mind' },
    headers: bearer(shopKey),
  });
  expect(cancelled.statusCode).toBe(200);
  expect(cancelled.json()).toMatchObject({ status: 'Cancelled', failureReason: 'cancelled-by-customer' });
  const final = (await handle.result()) as { history: Array<{ note?: string }> };
  expect(final.history.map((h) => h.note)).toEqual(
    expect.arrayContaining([
      expect.stringMatching(
        /^cancellation granted by storefront:shop-\w+ \(storefront, signed, client orders-api\): customer changed their mind$/,
      ),
    ]),
  );
  expect(await stockOf(stack.pool, sku)).toEqual({ east: { onHand: 3, reserved: 0 } });
  expect(await paymentOps(stack.pool, orderId)).toEqual([]);
});

test('an operator recovers an order whose run was terminated (stock back, nothing charged); a running one is a 409; others may not', async () => {
  const { orderId, sku, handle } = await bigOrder();
  const operator = await user('operator');
  const opsSession = await logIn(operator.name, operator.password);
  const clerk = await user('customer-service');
  const clerkSession = await logIn(clerk.name, clerk.password);
  const recover = (token: string) =>
    api.inject({ method: 'POST', url: `/v1/orders/${orderId}/recover`, headers: bearer(token) });
  const running = await recover(opsSession.token);
  expect(running.statusCode).toBe(409);
  expect(running.json().detail).toBe(`refused: order ${orderId} still runs; it settles itself`);
  await handle.terminate('operator: looks stuck');
  expect((await recover(clerkSession.token)).statusCode).toBe(403);
  const recovered = await recover(opsSession.token);
  expect(recovered.statusCode).toBe(200);
  expect(recovered.json()).toMatchObject({ orderId, outcome: 'undone', status: 'Cancelled' });
  expect(await stockOf(stack.pool, sku)).toEqual({ east: { onHand: 3, reserved: 0 } });
  expect(await paymentOps(stack.pool, orderId)).toEqual([]);
  const attention = await api.inject({ method: 'GET', url: '/v1/attention', headers: bearer(clerkSession.token) });
  expect(attention.statusCode).toBe(200);
  expect((attention.json().orders as Array<{ orderId: string }>).map((o) => o.orderId)).not.toContain(orderId);
  expect((await api.inject({ method: 'GET', url: '/v1/attention', headers: bearer(shopKey) })).statusCode).toBe(403);
});

test('the catalog over the API: storefronts and staff read it; only an admin writes it, by the same rules as the CLI', async () => {
  const sku = uid('HAT');
  const put = (token: string, body: object) =>
    api.inject({ method: 'PUT', url: `/v1/catalog/${sku}`, payload: body, headers: bearer(token) });
  const operator = await user('operator');
  const admin = await user('admin');
  const adminToken = (await logIn(admin.name, admin.password)).token;
  const hat = { name: 'Wool hat', priceCents: 2_490, currency: 'USD', onHand: 40, warehouseId: 'east' };
  expect((await put((await logIn(operator.name, operator.password)).token, hat)).statusCode).toBe(403);
  expect((await put(shopKey, hat)).statusCode).toBe(403);
  const bad = await put(adminToken, { name: ' ', priceCents: 1.5, currency: 'usd', onHand: -1 });
  expect(bad.statusCode).toBe(400);
  expect(bad.json().detail).toBe(
    'name: must not be empty; currency: must be an ISO 4217 currency code (3 uppercase letters, e.g. "USD"); ' +
      'priceCents: must be a whole number of minor units, 0 or more; onHand: must be a whole number of units between 0 and 2147483647',
  );
  const north = await put(adminToken, { ...hat, warehouseId: 'north' });
  expect(north.statusCode).toBe(400);
  expect(north.json().detail).toMatch(/^warehouseId: no warehouse "north"/);
  expect((await stack.pool.query('SELECT 1 FROM catalog_items WHERE sku = $1', [sku])).rowCount).toBe(0);
  const created = await put(adminToken, hat);
  expect(created.statusCode).toBe(201);
  expect(await stockOf(stack.pool, sku)).toEqual({ east: { onHand: 40, reserved: 0 } });
  expect((await put(adminToken, { ...hat, priceCents: 1_990 })).statusCode).toBe(200);
  const listed = await api.inject({ method: 'GET', url: '/v1/catalog', headers: bearer(shopKey) });
  expect((listed.json().items as Array<{ sku: string; priceCents: number }>).find((i) => i.sku === sku)).toMatchObject({
    priceCents: 1_990,
    currency: 'USD',
  });
});

test('`orders login` keeps a session file only its user can read; the CLI then decides as that user, with no Temporal address', async () => {
  const { orderId, handle } = await bigOrder();
  const listening = await startTestApi(stack);
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'orders-login-')), 'session.json');
  const env = { ...cliEnv(stack.prefix), ORDERS_API_URL: listening.url, ORDERS_SESSION_FILE: file };
  try {
    const wrong = await runCli(['login', '--user', approver, '--password-stdin'], env, 'not it\n');
    expect(wrong).toMatchObject({ code: 2, stderr: expect.stringMatching(/^--user or password: /) });
    const login = await runCli(
      ['login', '--user', approver, '--password-stdin', '--json'],
      env,
      `${approverPassword}\n`,
    );
    expect(login.code).toBe(0);
    expect(JSON.parse(login.stdout)).toMatchObject({ username: approver, role: 'approver', file });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // No Temporal address at all: the decision is the API's to pass on, signed.
    const noTemporal = { ...env, TEMPORAL_ADDRESS: '127.0.0.1:1' };
    const approved = await runCli(['approve', orderId, '--note', 'via the CLI'], noTemporal);
    expect(approved.code).toBe(0);
    expect(approved.stdout).toContain(`Approved order ${orderId} by ${approver}`);
    const other = await runCli(['approve', orderId, '--by', 'someone-else'], noTemporal);
    expect(other).toMatchObject({ code: 2, stderr: expect.stringMatching(/^--by: you are logged in as /) });
    expect(((await handle.result()) as { status: string }).status).toBe('Delivered');
    expect((await runCli(['logout'], env)).code).toBe(0);
    expect(existsSync(file)).toBe(false);
    const after = await runCli(['approve', orderId], noTemporal);
    expect(after).toMatchObject({ code: 1, stderr: expect.stringMatching(/^not logged in: /) });
  } finally {
    await listening.stop();
  }
});

test('`orders users add|list|disable`: a password shown once, roles checked, exit 2 on bad input and nothing written', async () => {
  const name = uid('cs');
  const env = cliEnv(stack.prefix);
  const made = await runCli(['users', 'add', name, '--role', 'customer-service', '--json'], env);
  expect(made.code).toBe(0);
  const { password } = JSON.parse(made.stdout) as { password: string };
  await logIn(name, password);
  const listed = JSON.parse((await runCli(['users', 'list', '--json'], env)).stdout) as {
    users: Array<{ username: string }>;
  };
  expect(listed.users).toEqual(
    expect.arrayContaining([expect.objectContaining({ username: name, role: 'customer-service' })]),
  );
  const badRole = await runCli(['users', 'add', uid('x'), '--role', 'king'], env);
  expect(badRole).toMatchObject({
    code: 2,
    stderr: expect.stringMatching(/^--role: must be one of customer-service, approver, operator, admin/),
  });
  const badName = await runCli(['users', 'add', 'Not A Name', '--role', 'admin'], env);
  expect(badName).toMatchObject({ code: 2, stderr: expect.stringMatching(/^username: /) });
  expect((await runCli(['users', 'add', name, '--role', 'admin'], env)).code).toBe(2); // taken
  const noCustomer = await runCli(['users', 'add', uid('buyer'), '--role', 'customer'], env);
  expect(noCustomer).toMatchObject({ code: 2, stderr: expect.stringMatching(/^--customer: /) });
  const buyer = uid('buyer');
  const customer = await runCli(['users', 'add', buyer, '--role', 'customer', '--customer', 'cust-9', '--json'], env);
  expect(JSON.parse(customer.stdout)).toMatchObject({ username: buyer, role: 'customer', customerId: 'cust-9' });
  expect((await runCli(['users', 'disable', name], env)).code).toBe(0);
  const { rows } = await stack.pool.query('SELECT role, disabled_at FROM staff_users WHERE username = $1', [name]);
  expect(rows).toEqual([{ role: 'customer-service', disabled_at: expect.any(Date) }]);
});
