/**
 * The real `orders` binary (dist/client.js) as a child process against the real stack: a Temporal
 * dev server, PostgreSQL and this file's own workers. Run `npm run build` first.
 */
import type { z } from 'zod';
import { carrierEventSignal } from '../../workflows/order-api';
import {
  ApprovalsJsonSchema,
  DecisionJsonSchema,
  DeliverJsonSchema,
  ErrorJsonSchema,
  ListJsonSchema,
  PlaceJsonSchema,
  StatusJsonSchema,
} from '../../src/cli/schemas';
import { TEST_ADDRESS, cliEnv, parseJson } from '../support/cli';
import { runCli } from '../support/processes';
import { paymentOps, seedSku, stockOf, testSettings, uid, waitForView } from '../support/orders';
import { startTestWorkers, type TestWorkers } from '../support/workers';
import { startTestApi, type TestApi } from '../support/api';

jest.setTimeout(120_000);

let stack: TestWorkers;
let api: TestApi;
/** An Orders API placing orders with no sandbox carrier (the test plays the carrier: `orders deliver`). */
let manualApi: TestApi;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  stack = await startTestWorkers();
  api = await startTestApi(stack);
  manualApi = await startTestApi(stack, { settings: { ...testSettings(), sandboxCarrier: false } });
  env = cliEnv(stack.prefix);
  delete env.TEMPORAL_UI_URL;
});
afterAll(async () => {
  await manualApi.stop();
  await api.stop();
  await stack.stop();
});

const SHIP_TO = JSON.stringify(TEST_ADDRESS);
const LINK = (orderId: string) => `http://localhost:8233/namespaces/default/workflows/order-${orderId}`;

const DECISIONS = new Set(['approve', 'reject', 'cancel']);
const APPROVERS = new Set(['alice', 'bob', 'mallory']); // mallory: an approver, but not of any order's band

/**
 * The CLI; a decision goes through the test's Orders API as the user `--by` names (alice and bob
 * approve), or as an operator, and a placement as customer service: the session `orders login`
 * would keep, given as ORDERS_API_TOKEN.
 */
async function cli(args: string[], extraEnv: NodeJS.ProcessEnv = {}, through = api) {
  const by = args.includes('--by') ? args[args.indexOf('--by') + 1]! : 'ops-cli';
  const session = DECISIONS.has(args[0]!)
    ? await api.cliAs(by, APPROVERS.has(by) ? 'approver' : 'operator')
    : args[0] === 'place'
      ? await through.cliAs('desk-cli', 'customer-service')
      : {};
  return runCli(args, { ...env, ...session, ...extraEnv });
}

function placeArgs(opts: {
  sku: string;
  quantity?: number;
  orderId?: string;
  customer?: string;
  token?: string;
}): string[] {
  return [
    'place',
    '--customer',
    opts.customer ?? 'cust-cli',
    '--item',
    `${opts.sku}:${opts.quantity ?? 1}`,
    '--ship-to',
    SHIP_TO,
    '--token',
    opts.token ?? 'tok_ok',
    '--order-id',
    opts.orderId ?? uid('cli'),
  ];
}

const handleOf = (orderId: string) => stack.client.workflow.getHandle(`order-${orderId}`);

/** For an order a CLI process is placing right now: waits for the workflow to exist first. */
async function startedOrder(orderId: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await handleOf(orderId).describe();
      return handleOf(orderId);
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Statuses in the order `watch` printed them. */
/** The transitions watch printed (lines that only add a note, like the point of no return, are not moves). */
function printedStatuses(stdout: string): string[] {
  const statuses = [...stdout.matchAll(/^ {2}\d{4}-\d\d-\d\d [\d:.]+ {2}(\w+)/gm)].map((m) => m[1]!);
  return statuses.filter((s, i) => s !== statuses[i - 1]);
}

async function awaitingOrder(customer = 'cust-big') {
  const sku = await seedSku(stack.pool, { priceCents: 120_000, stock: { east: 3 } });
  const orderId = uid('big');
  const placed = await cli(placeArgs({ sku, orderId, customer }));
  expect(placed.code).toBe(0);
  await waitForView(handleOf(orderId), (v) => v.status === 'AwaitingApproval');
  return { orderId, sku };
}

test('place → status → watch to Delivered, every line with its Web UI link; JSON shapes hold', async () => {
  const sku = await seedSku(stack.pool, { priceCents: 2_500, stock: { east: 10 } });
  const orderId = uid('cli');

  const placed = await cli([...placeArgs({ sku, quantity: 2, orderId }), '--json']);
  expect(placed).toMatchObject({ code: 0, stderr: '' });
  expect(parseJson(PlaceJsonSchema, placed.stdout)).toEqual({
    orderId,
    workflowId: `order-${orderId}`,
    url: LINK(orderId),
  });

  const status = await cli(['status', orderId]);
  expect(status.code).toBe(0);
  expect(status.stdout.split('\n')[0]).toContain(LINK(orderId));
  expect(status.stdout).toMatch(new RegExp(`^Order ${orderId} {2}\\w+`));

  const watched = await cli(['watch', orderId]);
  expect(watched.code).toBe(0);
  expect(watched.stdout).toContain(`Watching order ${orderId}  ${LINK(orderId)}`);
  expect(printedStatuses(watched.stdout)).toEqual([
    'Created',
    'InventoryChecked',
    'InventoryReserved',
    'PaymentPending',
    'PaymentCompleted',
    'Processing',
    'Shipped',
    'Delivered',
  ]);
  expect(watched.stdout.trimEnd().split('\n').at(-1)).toBe(`order ${orderId}  Delivered  50.00 USD  ${LINK(orderId)}`);

  const json = parseJson(StatusJsonSchema, (await cli(['status', orderId, '--json'])).stdout);
  expect(json).toMatchObject({
    orderId,
    status: 'Delivered',
    terminal: true,
    currency: 'USD',
    totalCents: 5_000,
    items: [{ sku, quantity: 2, unitPriceCents: 2_500, lineTotalCents: 5_000 }],
    payment: { status: 'captured', authorizedCents: 5_000, capturedCents: 5_000, refundedCents: 0 },
    shipments: [
      {
        shipmentId: `${orderId}-east`,
        workflowId: `order-${orderId}`, // v0.8: the order follows its parcel itself, no shipment child
        followedByOrder: true,
        warehouseId: 'east',
        status: 'delivered',
      },
    ],
    failureReason: null,
    workflowStatus: 'COMPLETED',
    url: LINK(orderId),
  });

  // `watch` on a finished order prints its story and ends at once.
  const again = await cli(['watch', orderId, '--json']);
  expect(again.code).toBe(0);
  expect(parseJson(StatusJsonSchema, again.stdout).status).toBe('Delivered');
});

test('place --wait follows to Delivered (exit 0); --json prints one document with the final state', async () => {
  const sku = await seedSku(stack.pool, { priceCents: 1_000, stock: { west: 5 } });
  const orderId = uid('wait');
  const result = await cli([...placeArgs({ sku, orderId }), '--wait', '--timeout', '60s', '--json']);
  expect(result.code).toBe(0);
  const doc = parseJson(PlaceJsonSchema, result.stdout);
  expect(doc.final).toMatchObject({
    orderId,
    status: 'Delivered',
    totalCents: 1_000 + 499,
    workflowStatus: 'COMPLETED',
  });
});

test('place --wait exits 3 when the order ends Cancelled: declined card, unknown SKU (not pre-checked)', async () => {
  const sku = await seedSku(stack.pool, { priceCents: 1_999, stock: { east: 5 } });
  const declined = await cli([...placeArgs({ sku, token: 'tok_declined' }), '--wait']);
  expect(declined.code).toBe(3);
  expect(declined.stdout).toMatch(/PaymentFailed/);
  expect(declined.stdout).toMatch(/Cancelled \(payment-declined\)/);
  expect(await stockOf(stack.pool, sku)).toEqual({ east: { onHand: 5, reserved: 0 } });

  const orderId = uid('nosku');
  const unknown = await cli([...placeArgs({ sku: 'NO-SUCH-SKU-42', orderId }), '--wait', '--json']);
  expect(unknown.code).toBe(3);
  expect(parseJson(PlaceJsonSchema, unknown.stdout).final).toMatchObject({
    status: 'Cancelled',
    failureReason: 'unknown-sku',
  });
});

test('approvals lists the waiting order with amount, customer, age and link; approve via the CLI → Delivered', async () => {
  const customer = uid('cust');
  const { orderId } = await awaitingOrder(customer);

  // Visibility follows the workflow within moments: ask until the order shows up.
  let listed: z.infer<typeof ApprovalsJsonSchema>['orders'][number] | undefined;
  for (let i = 0; i < 50 && !listed; i++) {
    const approvals = await cli(['approvals', '--json']);
    expect(approvals.code).toBe(0);
    listed = parseJson(ApprovalsJsonSchema, approvals.stdout).orders.find((o) => o.orderId === orderId);
    if (!listed) await new Promise((r) => setTimeout(r, 200));
  }
  expect(listed).toMatchObject({
    orderId,
    customerId: customer,
    totalCents: 120_000,
    currency: 'USD',
    url: LINK(orderId),
  });
  expect(listed!.ageMs).toBeGreaterThanOrEqual(0);

  const table = await cli(['approvals']);
  expect(table.code).toBe(0);
  const line = table.stdout.split('\n').find((l) => l.startsWith(orderId));
  expect(line).toMatch(
    new RegExp(`^${orderId}\\s+1,200.00 USD\\s+${customer}\\s+\\d+(s|m \\d\\ds)\\s+${LINK(orderId)}$`),
  );

  const approved = await cli(['approve', orderId, '--by', 'alice', '--note', 'known customer', '--json']);
  expect(approved.code).toBe(0);
  expect(parseJson(DecisionJsonSchema, approved.stdout)).toMatchObject({
    orderId,
    action: 'approve',
    order: { approval: { decision: 'approved', by: 'alice', note: 'known customer' } },
  });
  const watched = await cli(['watch', orderId]);
  expect(watched.code).toBe(0);
  expect(printedStatuses(watched.stdout)).toEqual(
    expect.arrayContaining(['AwaitingApproval', 'PaymentPending', 'Delivered']),
  );
  // The audit line names the approver, the role the API signed for, and the client (the API).
  expect(watched.stdout).toMatch(/approved by alice \(approver, signed, client orders-api\): known customer/);
});

test("an unknown approver is refused with the workflow's reason (exit 2, nothing changes); reject → Cancelled, watch exits 3", async () => {
  const { orderId, sku } = await awaitingOrder();

  const refused = await cli(['approve', orderId, '--by', 'mallory']);
  expect(refused.code).toBe(2);
  expect(refused.stderr).toContain('"mallory" is not an authorised approver');
  const refusedJson = await cli(['approve', orderId, '--by', 'mallory', '--json']);
  expect(refusedJson.code).toBe(2);
  expect(parseJson(ErrorJsonSchema, refusedJson.stdout).error).toEqual({
    exitCode: 2,
    message: expect.stringContaining('not an authorised approver'),
  });
  expect((await handleOf(orderId).query('status')) as { status: string; approval?: unknown }).toMatchObject({
    status: 'AwaitingApproval',
  });

  const rejected = await cli(['reject', orderId, '--by', 'bob', '--reason', 'suspicious volume']);
  expect(rejected.code).toBe(0);
  expect(rejected.stdout).toContain(LINK(orderId));

  const watched = await cli(['watch', orderId]);
  expect(watched.code).toBe(3);
  expect(watched.stdout).toMatch(/Cancelled \(approval-rejected\)/);
  expect(await paymentOps(stack.pool, orderId)).toEqual([]);
  expect(await stockOf(stack.pool, sku)).toEqual({ east: { onHand: 3, reserved: 0 } });

  // Deciding again: the order is not awaiting approval any more.
  const late = await cli(['approve', orderId, '--by', 'alice']);
  expect(late.code).toBe(2);
  expect(late.stderr).toMatch(new RegExp(`order ${orderId} is Cancelled, not AwaitingApproval`));
});

test('approve/reject an order that does not need approval → exit 2 naming the rule', async () => {
  const sku = await seedSku(stack.pool, { priceCents: 1_500, stock: { east: 5 } });
  const orderId = uid('small');
  expect((await cli([...placeArgs({ sku, orderId }), '--wait'])).code).toBe(0);
  const approve = await cli(['approve', orderId, '--by', 'alice']);
  expect(approve.code).toBe(2);
  expect(approve.stderr).toContain(`order ${orderId} is Delivered, not AwaitingApproval`);
  const reject = await cli(['reject', orderId, '--by', 'alice', '--reason', 'x']);
  expect(reject.code).toBe(2);
  const cancel = await cli(['cancel', orderId, '--reason', 'too late']);
  expect(cancel.code).toBe(2);
  expect(cancel.stderr).toContain('can no longer be cancelled');
});

test('deliver before shipping is refused (exit 2); cancel before shipping → Cancelled with compensation, answered with the final state', async () => {
  const { orderId, sku } = await awaitingOrder();
  const early = await cli(['deliver', orderId]);
  expect(early.code).toBe(2);
  expect(early.stderr.trim()).toBe(
    `order ${orderId} has no shipments yet (it is AwaitingApproval); they are booked once it is paid`,
  );
  const cancelled = await cli(['cancel', orderId, '--reason', 'changed my mind', '--customer', '--json']);
  expect(cancelled.code).toBe(0);
  expect(parseJson(DecisionJsonSchema, cancelled.stdout).order).toMatchObject({
    status: 'Cancelled',
    failureReason: 'cancelled-by-customer',
  });
  expect(await stockOf(stack.pool, sku)).toEqual({ east: { onHand: 3, reserved: 0 } });
});

test('without the sandbox carrier: cancel after Shipped is refused (exit 2); deliver signals every shipment → Delivered', async () => {
  const manual = {};
  const east = await seedSku(stack.pool, { priceCents: 3_000, stock: { east: 2 } });
  const west = await seedSku(stack.pool, { priceCents: 3_000, stock: { west: 2 } });
  const orderId = uid('manual');
  const args = [
    'place',
    '--customer',
    'cust-cli',
    '--item',
    `${east}:1`,
    '--item',
    `${west}:1`,
    '--ship-to',
    SHIP_TO,
    '--token',
    'tok_ok',
    '--order-id',
    orderId,
  ];
  expect((await cli(args, manual, manualApi)).code).toBe(0);

  const handle = handleOf(orderId);
  await waitForView(handle, (v) => v.shipments.length === 2 && v.shipments.every((s) => s.status === 'Booked'));
  // The carrier picks the parcels up: the Shipped milestone, after which cancelling is refused.
  // The order follows its parcels itself (v0.8): the events go to it, naming the parcel.
  for (const wh of ['east', 'west'])
    await handle.signal(carrierEventSignal, { event: 'picked-up', shipmentId: `${orderId}-${wh}` });
  await waitForView(handle, (v) => v.status === 'Shipped');
  const refused = await cli(['cancel', orderId, '--reason', 'too late']);
  expect(refused.code).toBe(2);
  expect(refused.stderr).toMatch(
    new RegExp(`order ${orderId} has a parcel with the carrier since [\\d:.TZ-]+: it can no longer be cancelled`),
  );

  const delivered = await cli(['deliver', orderId, '--json']);
  expect(delivered.code).toBe(0);
  const doc = parseJson(DeliverJsonSchema, delivered.stdout);
  expect(doc.signalled.map((s) => [s.shipmentId, s.workflowId]).sort()).toEqual([
    [`${orderId}-east`, `order-${orderId}`],
    [`${orderId}-west`, `order-${orderId}`],
  ]);

  const watched = await cli(['watch', orderId, '--timeout', '60s']);
  expect(watched.code).toBe(0);
  expect(watched.stdout).toContain(`order ${orderId}  Delivered`);
  const { rows } = await stack.pool.query(
    'SELECT shipment_id, status, followed_by FROM shipments WHERE order_id = $1 ORDER BY shipment_id',
    [orderId],
  );
  expect(rows).toEqual(
    ['east', 'west'].map((wh) => ({
      shipment_id: `${orderId}-${wh}`,
      status: 'DELIVERED',
      followed_by: `order-${orderId}`,
    })),
  );
  const again = await cli(['deliver', orderId]);
  expect(again.code).toBe(2);
  expect(again.stderr).toContain(`order ${orderId} is already Delivered`);
});

test('cancel after payment, before the parcels are picked up → Refunded; place --wait exits 3', async () => {
  const sku = await seedSku(stack.pool, { priceCents: 4_000, stock: { east: 2 } });
  const orderId = uid('refund');
  const waiting = cli([...placeArgs({ sku, orderId }), '--wait', '--json'], {}, manualApi);
  await waitForView(
    await startedOrder(orderId),
    (v) => v.shipments.length === 1 && v.shipments[0]!.status === 'Booked',
  );
  const cancelled = await cli(['cancel', orderId, '--reason', 'duplicate order', '--by', 'ops-1']);
  expect(cancelled.code).toBe(0);
  expect(cancelled.stdout).toContain(`order ${orderId}  Refunded (cancelled-by-operator)  44.99 USD  ${LINK(orderId)}`);
  const placed = await waiting;
  expect(placed.code).toBe(3);
  expect(parseJson(PlaceJsonSchema, placed.stdout).final).toMatchObject({
    status: 'Refunded',
    failureReason: 'cancelled-by-operator',
    payment: { status: 'refunded', capturedCents: 4_499, refundedCents: 4_499 },
  });
  expect(await stockOf(stack.pool, sku)).toEqual({ east: { onHand: 2, reserved: 0 } });
});

test('watch shows a progress line while the order waits', async () => {
  const { orderId } = await awaitingOrder();
  const watching = cli(['watch', orderId]);
  await new Promise((r) => setTimeout(r, 2_500));
  expect((await cli(['approve', orderId, '--by', 'bob'])).code).toBe(0);
  const watched = await watching;
  expect(watched.code).toBe(0);
  expect(watched.stderr).toMatch(
    new RegExp(
      `\\.\\.\\. AwaitingApproval for \\d+s: waiting for an approver \\(orders approve ${orderId} --by NAME\\)`,
    ),
  );
});

test('list filters by status and customer (visibility), newest first, each line with its link', async () => {
  const customer = uid('cust');
  const sku = await seedSku(stack.pool, { priceCents: 1_000, stock: { east: 10 } });
  const ids = [uid('l1'), uid('l2')];
  for (const orderId of ids) expect((await cli([...placeArgs({ sku, orderId, customer }), '--wait'])).code).toBe(0);

  let doc: z.infer<typeof ListJsonSchema> | undefined;
  for (let i = 0; i < 50; i++) {
    const listed = await cli(['list', '--status', 'Delivered', '--customer', customer, '--json']);
    expect(listed.code).toBe(0);
    doc = parseJson(ListJsonSchema, listed.stdout);
    if (doc.orders.length === 2) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(doc!.query).toBe(
    `WorkflowType = 'orderWorkflow' AND TaskQueue = '${stack.prefix}orders' AND OrderStatus = 'Delivered' AND CustomerId = '${customer}'`,
  );
  expect(doc!.orders.map((o) => o.orderId)).toEqual([ids[1], ids[0]]);
  expect(doc!.orders[0]).toMatchObject({
    status: 'Delivered',
    customerId: customer,
    totalCents: 1_499,
    workflowStatus: 'COMPLETED',
    url: LINK(ids[1]!),
  });

  const human = await cli(['list', '--customer', customer, '--limit', '1']);
  expect(human.code).toBe(0);
  const rows = human.stdout.split('\n').filter((l) => l.includes(customer));
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatch(new RegExp(`^${ids[1]}\\s+Delivered\\s+${customer}\\s+14.99\\s+\\S+\\s+${LINK(ids[1]!)}$`));

  expect((await cli(['list', '--status', 'Shipped', '--customer', customer, '--json'])).stdout).toMatch(
    /"orders": \[\]/,
  );

  for (const bad of [
    ['--status', 'Bogus'],
    ['--status', "Delivered' OR WorkflowType != '"],
    ['--customer', "x' OR CustomerId != 'y"],
    ['--customer', 'a'.repeat(65)],
    ['--limit', '0'],
    ['--limit', 'ten'],
  ]) {
    const result = await cli(['list', ...bad]);
    expect({ bad, code: result.code }).toEqual({ bad, code: 2 });
    expect(result.stderr).toMatch(new RegExp(`^${bad[0]}: `));
  }
});

test('placing the same order id again: the same command answers the same order; another order is exit 2; nothing new started', async () => {
  const sku = await seedSku(stack.pool, { priceCents: 2_000, stock: { east: 5 } });
  const orderId = uid('dup');
  expect((await cli(placeArgs({ sku, orderId }))).code).toBe(0);
  // A retried command (its answer lost, say) is the same request: the order id is its Idempotency-Key.
  const retried = await cli(placeArgs({ sku, orderId }));
  expect(retried.code).toBe(0);
  expect(retried.stdout).toContain(`Order ${orderId} was placed already by this same request: nothing new started`);
  const another = await cli(placeArgs({ sku, orderId, quantity: 2 }));
  expect(another).toMatchObject({
    code: 2,
    stderr: expect.stringContaining(`orderId: ${orderId} was placed already, with another order`),
  });
  // Someone else (another user, a storefront) with the same order id: taken.
  const other = await runCli(placeArgs({ sku, orderId }), { ...env, ...(await api.cliAs('desk-2', 'operator')) });
  expect(other).toMatchObject({ code: 2, stderr: expect.stringContaining(`orderId: ${orderId} is taken`) });
  expect(((await handleOf(orderId).result()) as { status: string }).status).toBe('Delivered');
  expect((await paymentOps(stack.pool, orderId)).map((p) => p.operation)).toEqual(['authorize', 'capture']);
});

test('an unknown order id → exit 2 "order X not found" for every command', async () => {
  const orderId = uid('ghost');
  for (const args of [
    ['status', orderId],
    ['watch', orderId],
    ['approve', orderId, '--by', 'alice'],
    ['reject', orderId, '--by', 'alice', '--reason', 'x'],
    ['cancel', orderId, '--reason', 'x'],
    ['deliver', orderId],
  ]) {
    const result = await cli(args);
    expect({ args, code: result.code, stderr: result.stderr.trim() }).toEqual({
      args,
      code: 2,
      stderr: `order ${orderId} not found`,
    });
  }
  const json = await cli(['status', orderId, '--json']);
  expect(parseJson(ErrorJsonSchema, json.stdout)).toEqual({
    error: { exitCode: 2, message: `order ${orderId} not found` },
  });
  const bad = await cli(['status', "x' OR 1=1"]);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/^orderId: must be 1-64 letters/);
});

test('server unreachable → exit 1 naming the address tried and how to start one', async () => {
  const down = { TEMPORAL_ADDRESS: '127.0.0.1:1' };
  const sku = await seedSku(stack.pool, { priceCents: 1_000, stock: { east: 1 } });
  const status = await cli(['status', 'ord-1'], down);
  expect(status.code).toBe(1);
  expect(status.stderr).toContain('Cannot reach Temporal at 127.0.0.1:1');
  expect(status.stderr).toContain('npm start');
  // A placement and a decision need the Orders API, not Temporal.
  for (const args of [placeArgs({ sku }), ['approve', 'ord-1', '--by', 'alice']]) {
    const noApi = await cli(args, { ...down, ORDERS_API_URL: 'http://127.0.0.1:1' });
    expect({ args, code: noApi.code }).toEqual({ args, code: 1 });
    expect(noApi.stderr).toContain('Cannot reach the Orders API at http://127.0.0.1:1');
    expect(noApi.stderr).toContain('npm start');
  }
  const json = await cli(['status', 'ord-1', '--json'], down);
  expect(parseJson(ErrorJsonSchema, json.stdout).error).toMatchObject({
    exitCode: 1,
    message: expect.stringContaining('127.0.0.1:1'),
  });
});

test('--help of the CLI and of every command shows an example', async () => {
  const commands = [
    [],
    ['doctor'],
    ['place'],
    ['status'],
    ['watch'],
    ['list'],
    ['approvals'],
    ['login'],
    ['approve'],
    ['reject'],
    ['cancel'],
    ['deliver'],
    ['catalog'],
    ['catalog', 'upsert'],
    ['catalog', 'list'],
  ];
  for (const command of commands) {
    const result = await runCli([...command, '--help'], env);
    expect({ command, code: result.code }).toEqual({ command, code: 0 });
    expect(result.stdout).toMatch(/Examples?( \(.*\))?:\n {2}\$ orders /);
  }
  const usage = await runCli(['place', '--colour', 'red'], env);
  expect(usage.code).toBe(2);
  expect(usage.stderr).toContain("unknown option '--colour'");
});
