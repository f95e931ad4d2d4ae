/**
 * The console's part of returns and goodwill refunds, in a real browser on the real stack: a
 * warehouse user finds a received return in the queue, inspects it line by line, and the refund and
 * the stock follow (a stale form then shows the workflow's refusal); other staff see the return
 * read-only and another customer not at all; an approver approves a goodwill refund from the inbox
 * after the workflow refused the admin who asked for it. Screenshots: test-output/console/*.png.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { returnWorkflowId } from '../../src/domain';
import { addStaffUser, type AccountRole, type StaffRole } from '../../src/api/staff';
import { projectRoot } from '../../src/runtime/paths';
import { carrierEventSignal } from '../../workflows/return-api';
import { buildTestApi, sessionToken } from '../support/api';
import { launchChromium } from '../support/browser';
import { carrierEvent, eventually, placeBookedByHand, stockOf, testPolicy, uid } from '../support/orders';
import { startTestWorkers, type TestWorkers } from '../support/workers';

const SHOTS = path.join(projectRoot(), 'test-output', 'console');
/** The stack's one approver (of goodwill refunds too). */
const APPROVER = uid('appr');
let stack: TestWorkers;
let api: FastifyInstance;
let base: string;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // Parcels by hand: the test says when the order's and the return's parcels arrive.
  stack = await startTestWorkers(undefined, undefined, {
    policy: testPolicy({ sandboxCarrier: false, returnParcelTimeoutMs: 120_000, approvers: [APPROVER] }),
  });
  api = await buildTestApi(stack);
  base = await api.listen({ host: '127.0.0.1', port: 0 });
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await api?.close();
  await stack?.stop();
});

/** A new browser context logged in to the console as `username` (made with `role`, for `customerId`). */
async function loggedIn(username: string, role: AccountRole, customerId?: string): Promise<[BrowserContext, Page]> {
  const password = (await addStaffUser(stack.pool, username, role, customerId))!;
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${base}/console/login`);
  await page.getByLabel('User name').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page
    .getByRole('heading', { level: 1 })
    .filter({ hasText: /Inbox|Your orders/ })
    .waitFor();
  return [context, page];
}

/** An order of `quantity` units at `priceCents` each, delivered by hand. */
async function delivered(quantity: number, priceCents: number) {
  const placed = await placeBookedByHand(stack, { priceCents, stock: { east: quantity } });
  await carrierEvent(stack.client, placed.view, 'delivered');
  expect((await placed.handle.result()).status).toBe('Delivered');
  return placed;
}

async function asked(url: string, username: string, role: StaffRole, payload: object) {
  const res = await api.inject({
    method: 'POST',
    url,
    headers: { authorization: `Bearer ${await sessionToken(stack.pool, username, role)}` },
    payload,
  });
  expect(res.statusCode).toBe(201);
  return res.json();
}

/** The payment ledger's refunds of the order: [idempotency key, amount]. */
async function refundsOf(orderId: string): Promise<Array<[string, number]>> {
  const { rows } = await stack.pool.query<{ key: string; cents: string }>(
    `SELECT idempotency_key AS key, amount_cents AS cents FROM payment_operations
     WHERE order_id = $1 AND operation = 'refund' ORDER BY id`,
    [orderId],
  );
  return rows.map((r) => [r.key, Number(r.cents)]);
}

test('a warehouse user inspects a received return in the console: refunded, back in stock, and the order page shows it', async () => {
  const { orderId, sku } = await delivered(2, 2_000);
  expect(await stockOf(stack.pool, sku)).toEqual({ east: { onHand: 0, reserved: 0 } });
  const rmaId = uid('rma');
  await asked(`/v1/orders/${orderId}/returns`, uid('cs'), 'customer-service', {
    rmaId,
    lines: [{ sku, quantity: 2 }],
    reason: 'does not fit',
  });
  await stack.client.workflow.getHandle(returnWorkflowId(rmaId)).signal(carrierEventSignal, { event: 'delivered' });
  await eventually(async () => {
    const { rows } = await stack.pool.query('SELECT status FROM returns WHERE rma_id = $1', [rmaId]);
    return rows[0]?.status === 'Received' ? true : undefined;
  });

  const [context, page] = await loggedIn(uid('wh'), 'warehouse');
  // The header leads to the queue; the return waits there.
  await page.getByRole('banner').getByRole('link', { name: 'Returns' }).click();
  await page.getByRole('heading', { name: 'Waiting for inspection' }).waitFor();
  expect(await page.getByRole('row').filter({ hasText: rmaId }).innerText()).toMatch(
    new RegExp(`${rmaId}\\s+${orderId}\\s+2\\s+east`),
  );
  await page.screenshot({ path: path.join(SHOTS, 'returns-queue.png'), fullPage: true });
  // A second tab keeps the form open: it will be stale once the first one is sent.
  const stale = await context.newPage();
  await stale.goto(`${base}/console/returns/${rmaId}`);

  await page.getByRole('link', { name: rmaId }).click();
  await page.locator('#return-status', { hasText: 'Received' }).waitFor();
  // A count that is not a number is refused before anything is signed, naming the line.
  const csrf = (await page.locator('input[name="_csrf"]').first().getAttribute('value')) ?? '';
  const typo = await page.request.post(`${base}/console/returns/${rmaId}/inspect`, {
    form: { _csrf: csrf, 'accepted-0': 'two', 'condition-0': 'resellable' },
    maxRedirects: 0,
  });
  expect(decodeURIComponent(typo.headers().location ?? '')).toMatch(`error=${sku}: accepted: `);
  expect(await page.getByLabel(`${sku}: accepted`).inputValue()).toBe('2');
  await page.getByLabel(`${sku}: condition`).selectOption('resellable');
  const note = '<b>as new</b>';
  await page.getByLabel(`${sku}: note (optional)`).fill(note);
  await page.screenshot({ path: path.join(SHOTS, 'return-inspection.png'), fullPage: true });
  await page.getByRole('button', { name: 'Record inspection' }).click();
  await page.getByRole('status').filter({ hasText: 'Done: inspect.' }).waitFor();
  await page.locator('#return-status', { hasText: 'Refunded' }).waitFor();
  // 2 × 20.00, and the shipping (4.99) since every unit came back; the note shows as typed.
  expect(await page.locator('#return-refund').innerText()).toMatch(/44\.99 USD refunded · inspected by wh-/);
  await page.getByRole('cell', { name: note, exact: true }).waitFor();
  expect(await page.getByRole('button', { name: 'Record inspection' }).count()).toBe(0);
  await page.screenshot({ path: path.join(SHOTS, 'return-refunded.png'), fullPage: true });

  expect(await refundsOf(orderId)).toEqual(
    expect.arrayContaining([
      [`${orderId}:refund:rma.${rmaId}.1`, 4_000],
      [`${orderId}:refund:returns.shipping`, 499],
    ]),
  );
  expect(await stockOf(stack.pool, sku)).toEqual({ east: { onHand: 2, reserved: 0 } });

  // The stale form: the workflow has settled the return, and the page says so.
  await stale.getByRole('button', { name: 'Record inspection' }).click();
  await stale
    .getByRole('alert')
    .filter({ hasText: `Refused: return ${rmaId} is Refunded` })
    .waitFor();
  expect(await refundsOf(orderId)).toHaveLength(2);

  // The order page lists its returns and what they refunded.
  await page.getByRole('link', { name: orderId }).click();
  await page
    .locator('#order-returns')
    .filter({ hasText: `${rmaId}: Refunded, refunded 44.99 USD` })
    .waitFor();
  await page.getByText('Returns refunded 44.99 USD in all.').waitFor();
  await page.screenshot({ path: path.join(SHOTS, 'order-with-return.png'), fullPage: true });
  await context.close();
}, 120_000);

test('other staff see a return read-only, another customer not at all, and a post without the CSRF token is refused', async () => {
  const { orderId, sku } = await delivered(1, 1_000);
  const rmaId = uid('rma');
  await asked(`/v1/orders/${orderId}/returns`, uid('cs'), 'customer-service', {
    rmaId,
    lines: [{ sku, quantity: 1 }],
    reason: 'a gift, not wanted',
  });

  const [desk, deskPage] = await loggedIn(uid('cs'), 'customer-service');
  await deskPage.goto(`${base}/console/returns/${rmaId}`);
  await deskPage.locator('#return-status', { hasText: 'AwaitingParcel' }).waitFor();
  expect(await deskPage.getByRole('button', { name: 'Record inspection' }).count()).toBe(0);
  expect(await deskPage.getByRole('banner').getByRole('link', { name: 'Returns' }).count()).toBe(0);
  expect((await deskPage.goto(`${base}/console/returns`))?.status()).toBe(403);
  const forged = await desk.request.post(`${base}/console/returns/${rmaId}/inspect`, {
    form: { 'accepted-0': '1', 'condition-0': 'resellable' },
    maxRedirects: 0,
  });
  expect(forged.status()).toBe(403);
  expect(await forged.text()).toContain('no CSRF token');
  await desk.close();

  const [other, otherPage] = await loggedIn(uid('buyer'), 'customer', uid('cust'));
  expect((await otherPage.goto(`${base}/console/returns/${rmaId}`))?.status()).toBe(404);
  await otherPage.getByText(`No return ${rmaId}.`).waitFor();
  await other.close();
  const { rows } = await stack.pool.query('SELECT status FROM returns WHERE rma_id = $1', [rmaId]);
  expect(rows[0].status).toBe('AwaitingParcel');
});

test('an approver approves a goodwill refund from the inbox; the admin who asked for it is refused by the workflow', async () => {
  const { orderId, sku } = await delivered(1, 8_000);
  const refundId = uid('gw');
  const admin = uid('adm');
  const [adminContext, adminPage] = await loggedIn(admin, 'admin');
  // 60.00 is at or above the threshold (50.00): it waits for an approver.
  const waiting = await asked(`/v1/orders/${orderId}/refunds`, admin, 'admin', {
    refundId,
    amountCents: 6_000,
    sku,
    reason: 'arrived scratched',
  });
  expect(waiting).toMatchObject({ status: 'AwaitingApproval' });

  // The admin may decide refunds by role, but not this one: they asked for it.
  await adminPage.reload();
  await adminPage
    .getByRole('row')
    .filter({ hasText: refundId })
    .getByRole('button', { name: 'Approve refund' })
    .click();
  await adminPage
    .getByRole('alert')
    .filter({ hasText: /Refused: .*(not an authorised approver|may not decide)/ })
    .waitFor();
  expect(await refundsOf(orderId)).toEqual([]);
  await adminContext.close();

  const [context, page] = await loggedIn(APPROVER, 'approver');
  const row = page.getByRole('row').filter({ hasText: refundId });
  expect(await row.innerText()).toMatch(
    new RegExp(`${orderId}\\s+60\\.00 USD\\s+${sku}\\s+${admin}\\s+arrived scratched`),
  );
  await row.getByLabel('Note (optional)').fill('courier photo confirms it');
  await page.screenshot({ path: path.join(SHOTS, 'inbox-refund.png'), fullPage: true });
  await row.getByRole('button', { name: 'Approve refund' }).click();
  await page
    .getByRole('status')
    .filter({ hasText: `Done: approve refund ${refundId}.` })
    .waitFor();
  expect(await page.getByRole('row').filter({ hasText: refundId }).count()).toBe(0);

  expect(await refundsOf(orderId)).toEqual([[`${orderId}:refund:gw.${refundId}`, 6_000]]);
  const { rows } = await stack.pool.query('SELECT status, decided_by FROM goodwill_refunds WHERE refund_id = $1', [
    refundId,
  ]);
  expect(rows[0]).toEqual({ status: 'Refunded', decided_by: APPROVER });
  await context.close();
});
