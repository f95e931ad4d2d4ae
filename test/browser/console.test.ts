/**
 * The web console in a real browser (playwright-core driving the npm-packaged Chromium), on the
 * real stack: an approver logs in, finds the waiting order in the inbox, approves it with a note
 * that holds markup (it renders as text), and watches the page follow the order to Delivered.
 * A form posted without its CSRF token is refused. A customer sees their own orders and not
 * another's. Screenshots: test-output/console/*.png.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { createApiKey } from '../../src/api/keys';
import { addStaffUser } from '../../src/api/staff';
import { projectRoot } from '../../src/runtime/paths';
import { launchChromium } from '../support/browser';
import { orderRequest, paymentOps, seedSku, testPolicy, uid } from '../support/orders';
import { startTestWorkers, type TestWorkers } from '../support/workers';
import { buildTestApi } from '../support/api';

const SHOTS = path.join(projectRoot(), 'test-output', 'console');
const approver = uid('appr');
let stack: TestWorkers;
let api: FastifyInstance;
let base: string;
let browser: Browser;
let password: string;
let shopKey: string;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  stack = await startTestWorkers(undefined, undefined, { policy: testPolicy({ approvers: [approver] }) });
  api = await buildTestApi(stack, {
    orderUrl: (orderId) => `http://localhost:8233/namespaces/default/workflows/order-${orderId}`,
  });
  base = await api.listen({ host: '127.0.0.1', port: 0 });
  password = (await addStaffUser(stack.pool, approver, 'approver'))!;
  shopKey = (await createApiKey(stack.pool, uid('shop'))).key;
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await api?.close();
  await stack?.stop();
});

async function waitingOrder(customerId?: string): Promise<string> {
  const sku = await seedSku(stack.pool, { priceCents: 150_000, stock: { east: 2 } });
  const body = orderRequest({ items: [{ sku, quantity: 1 }], ...(customerId ? { customerId } : {}) });
  const res = await fetch(`${base}/v1/orders`, {
    method: 'POST',
    headers: { authorization: `Bearer ${shopKey}`, 'idempotency-key': uid('k'), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(201);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { rows } = await stack.pool.query('SELECT status FROM orders WHERE order_id = $1', [body.orderId]);
    if (rows[0]?.status === 'AwaitingApproval') return body.orderId;
    if (Date.now() > deadline) throw new Error(`order ${body.orderId} never waited for approval`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('an approver logs in, approves from the inbox with a note, and the order page follows it to Delivered', async () => {
  const orderId = await waitingOrder();
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(`${base}/console`);
  expect(page.url()).toBe(`${base}/console/login`); // no session: the login page
  await page.getByLabel('User name').fill(approver);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('alert').filter({ hasText: 'do not work' }).waitFor();
  await page.getByLabel('User name').fill(approver);
  await page.getByLabel('Password').fill(password);
  await page.screenshot({ path: path.join(SHOTS, 'login.png') });
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('link', { name: orderId }).waitFor();
  // The inbox says why the order asks and by when an answer is due.
  const row = await page.getByRole('row').filter({ hasText: orderId }).innerText();
  expect(row).toMatch(
    /1,500\.00 USD.*total 1,500\.00 USD at or above 1,000\.00 USD \(rules v0\).*in (under a minute|\d+ min)/s,
  );
  await page.screenshot({ path: path.join(SHOTS, 'inbox.png'), fullPage: true });

  await page.getByRole('link', { name: orderId }).click();
  await page.locator('#order-status', { hasText: 'AwaitingApproval' }).waitFor();
  const note = '<script>alert("x")</script> known customer';
  await page.getByLabel('Note (optional)').fill(note);
  await page.screenshot({ path: path.join(SHOTS, 'order-waiting.png'), fullPage: true });
  await page.getByRole('button', { name: 'Approve' }).click();
  await page.getByRole('status').filter({ hasText: 'Done: approve.' }).waitFor();
  // The page refreshes itself while the order moves: it reaches Delivered without a click.
  await page.locator('#order-status', { hasText: 'Delivered' }).waitFor({ timeout: 60_000 });
  await page.screenshot({ path: path.join(SHOTS, 'order-delivered.png'), fullPage: true });

  // The note is text on the page, never markup: no script ran, and the cell shows it as typed.
  expect(dialogs).toEqual([]);
  await expect(
    page.getByRole('cell', { name: `approved by ${approver} (approver, signed, client orders-api): ${note}` }).count(),
  ).resolves.toBe(1);
  expect(await page.locator('main script').count()).toBe(0);
  expect((await paymentOps(stack.pool, orderId)).map((p) => p.operation)).toEqual(['authorize', 'capture']);
  await page.close();
}, 120_000);

test('a form posted without its CSRF token is refused, and the order keeps waiting', async () => {
  const orderId = await waitingOrder();
  const context = await browser.newContext();
  // Login CSRF: another site's form cannot log this browser in (as anyone) without our form's token.
  const forgedLogin = await context.request.post(`${base}/console/login`, {
    form: { username: approver, password },
    maxRedirects: 0,
  });
  expect(forgedLogin.status()).toBe(403);
  const page = await context.newPage();
  await page.goto(`${base}/console/login`);
  await page.getByLabel('User name').fill(approver);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Approvals' }).waitFor();
  // Another site's form would post with the browser's cookie but could not know the token.
  const forged = await context.request.post(`${base}/console/orders/${orderId}/approve`, {
    form: { note: 'forged' },
    maxRedirects: 0,
  });
  expect(forged.status()).toBe(403);
  expect(await forged.text()).toContain('no CSRF token');
  const headers = forged.headers();
  expect(headers['content-security-policy']).toContain("default-src 'self'");
  expect(headers['x-frame-options']).toBe('SAMEORIGIN');
  const { rows } = await stack.pool.query('SELECT status FROM orders WHERE order_id = $1', [orderId]);
  expect(rows[0].status).toBe('AwaitingApproval');
  expect(await paymentOps(stack.pool, orderId)).toEqual([]);
  await context.close();
});

test("a customer logs in and sees their own orders; another customer's order is not found", async () => {
  const customerId = uid('cust');
  const mine = await waitingOrder(customerId);
  const theirs = await waitingOrder(uid('cust'));
  const name = uid('buyer');
  const secret = (await addStaffUser(stack.pool, name, 'customer', customerId))!;
  const page = await browser.newPage({ viewport: { width: 1200, height: 700 } });
  await page.goto(`${base}/console/login`);
  await page.getByLabel('User name').fill(name);
  await page.getByLabel('Password').fill(secret);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Your orders', level: 1 }).waitFor();
  expect(await page.getByRole('link', { name: mine }).count()).toBe(1);
  expect(await page.getByRole('link', { name: theirs }).count()).toBe(0);
  await page.screenshot({ path: path.join(SHOTS, 'customer-orders.png'), fullPage: true });
  await page.getByRole('link', { name: mine }).click();
  await page.locator('#order-status', { hasText: 'AwaitingApproval' }).waitFor();
  // Theirs to cancel (before the first parcel leaves), nothing else: no approval, no recovery, no link into Temporal.
  expect(
    await page
      .getByRole('button')
      .filter({ hasText: /Approve|Reject|Recover/ })
      .count(),
  ).toBe(0);
  expect(await page.getByRole('button', { name: 'Cancel order' }).count()).toBe(1);
  expect(await page.getByRole('link', { name: 'Temporal Web UI' }).count()).toBe(0);
  const other = await page.goto(`${base}/console/orders/${theirs}`);
  expect(other?.status()).toBe(404);
  await page.getByText(`No order ${theirs}.`).waitFor();
  await page.screenshot({ path: path.join(SHOTS, 'customer-other-order.png'), fullPage: true });
  // A decision posted by hand with the customer's own CSRF token is refused too, and nothing moves.
  await page.goto(`${base}/console/orders/${mine}`);
  const csrf = await page.locator('input[name="_csrf"]').first().getAttribute('value');
  const approve = await page.request.post(`${base}/console/orders/${mine}/approve`, {
    form: { _csrf: csrf ?? '', note: 'mine' },
    maxRedirects: 0,
  });
  expect(approve.headers().location).toMatch(/error=role%3A%20a%20customer%20may%20not%20approve/);
  const { rows } = await stack.pool.query('SELECT status FROM orders WHERE order_id = $1', [mine]);
  expect(rows[0].status).toBe('AwaitingApproval');
  // Then the customer cancels it themselves, with a reason: recorded as the customer's, nothing charged.
  await page.goto(`${base}/console/orders/${mine}`);
  await page.getByLabel('Cancel: reason').fill('ordered by mistake');
  await page.getByRole('button', { name: 'Cancel order' }).click();
  await page.getByRole('status').filter({ hasText: 'Done: cancel.' }).waitFor();
  await page.locator('#order-status', { hasText: 'Cancelled' }).waitFor();
  expect(await paymentOps(stack.pool, mine)).toEqual([]);
  await page.close();
});

test('/docs renders the OpenAPI document interactively in the browser (its own assets pass the CSP)', async () => {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(`${base}/docs`);
  await page.getByText('durable-orders Orders API').first().waitFor({ timeout: 30_000 });
  await page.getByText('/v1/orders/{orderId}/approve').first().waitFor();
  await page.screenshot({ path: path.join(SHOTS, 'docs.png') });
  expect(errors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
  await page.close();
});
