/**
 * The Orders API on the real stack (Temporal, PostgreSQL, the sandbox card vault over HTTP), driven
 * in-process through Fastify's inject: keys, idempotency, problem+json, ownership, OpenAPI.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { createApiKey } from '../../src/api/keys';
import { orderWorkflowId } from '../../src/domain';
import { orderRequest, seedSku, uid } from '../support/orders';
import { cliEnv } from '../support/cli';
import { runCli } from '../support/processes';
import { startTestWorkers, type TestWorkers } from '../support/workers';
import { buildTestApi, startTestApi } from '../support/api';
import { httpPaymentMethodVault } from '../../src/placement/payment-methods';
import { freePort } from '../../tools/dev-stack/ports';

let stack: TestWorkers;
let api: FastifyInstance;
let shopKey: string;
let otherKey: string;
beforeAll(async () => {
  stack = await startTestWorkers();
  api = await buildTestApi(stack);
  shopKey = (await createApiKey(stack.pool, uid('shop'))).key;
  otherKey = (await createApiKey(stack.pool, uid('other-shop'))).key;
});
afterAll(async () => {
  await api.close();
  await stack.stop();
});

const post = (body: unknown, headers: Record<string, string>) =>
  api.inject({ method: 'POST', url: '/v1/orders', payload: body as object, headers });
const as = (key: string, idempotencyKey?: string) => ({
  authorization: `Bearer ${key}`,
  ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
});
const ordersOf = async (orderId: string) =>
  (await stack.pool.query('SELECT storefront FROM api_orders WHERE order_id = $1', [orderId])).rowCount;

test('without a valid storefront key nothing is answered but 401, as problem+json', async () => {
  const body = orderRequest({ items: [{ sku: 'KB-001', quantity: 1 }] });
  const attempts: Array<Record<string, string>> = [
    {},
    { authorization: 'Bearer dok_0000000000000000_' + 'x'.repeat(43) },
    { authorization: 'Basic x' },
  ];
  for (const headers of attempts) {
    const res = await post(body, { ...headers, 'idempotency-key': uid('k') });
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['www-authenticate']).toBe('Bearer');
  }
  expect(await ordersOf(body.orderId)).toBe(0);
  // Another spelling of the path reaches the route only through its key check.
  for (const url of ['/%761/orders/x', '/v1/%6Frders/x', '/v1//orders/x'])
    expect([401, 404]).toContain((await api.inject({ method: 'GET', url })).statusCode);
});

test('bad input is a 400 naming the field, and nothing is started or written', async () => {
  const body = orderRequest({ items: [{ sku: 'KB-001', quantity: 0 }] });
  const res = await post(body, as(shopKey, uid('k')));
  expect(res.statusCode).toBe(400);
  expect(res.json()).toMatchObject({ status: 400, detail: expect.stringMatching(/^items\.0\.quantity: /) });
  const noKey = await post(orderRequest({ items: [{ sku: 'KB-001', quantity: 1 }] }), as(shopKey));
  expect(noKey.statusCode).toBe(400);
  expect(noKey.json().detail).toMatch(/^Idempotency-Key: /);
  expect(await ordersOf(body.orderId)).toBe(0);
  await expect(stack.client.workflow.getHandle(orderWorkflowId(body.orderId)).describe()).rejects.toThrow();
});

test('a placed order: 201 with its location; the same key and body answer it again, another body is a 422', async () => {
  const sku = await seedSku(stack.pool, { priceCents: 1_500, stock: { east: 5 } });
  const body = orderRequest({ items: [{ sku, quantity: 1 }] });
  const key = uid('k');
  const first = await post(body, as(shopKey, key));
  expect(first.statusCode).toBe(201);
  expect(first.headers.location).toBe(`/v1/orders/${body.orderId}`);
  expect(first.json()).toMatchObject({ orderId: body.orderId });
  const again = await post(body, as(shopKey, key));
  expect(again.statusCode).toBe(200);
  expect(again.json().orderId).toBe(body.orderId);
  const other = await post({ ...body, customerId: 'cust-2' }, as(shopKey, key));
  expect(other.statusCode).toBe(422);
  expect(await ordersOf(body.orderId)).toBe(1);
  const final = await stack.client.workflow.getHandle(orderWorkflowId(body.orderId)).result();
  expect(final.status).toBe('Delivered');
  const read = await api.inject({ method: 'GET', url: `/v1/orders/${body.orderId}`, headers: as(shopKey) });
  expect(read.json()).toMatchObject({ orderId: body.orderId, status: 'Delivered' });
});

test("a storefront cannot read another storefront's order: 404, as for an order that does not exist", async () => {
  const sku = await seedSku(stack.pool, { priceCents: 900, stock: { east: 5 } });
  const body = orderRequest({ items: [{ sku, quantity: 1 }] });
  expect((await post(body, as(shopKey, uid('k')))).statusCode).toBe(201);
  const theirs = await api.inject({ method: 'GET', url: `/v1/orders/${body.orderId}`, headers: as(otherKey) });
  expect(theirs.statusCode).toBe(404);
  const none = await api.inject({ method: 'GET', url: `/v1/orders/${uid('ord')}`, headers: as(otherKey) });
  const malformed = await api.inject({ method: 'GET', url: '/v1/orders/not%20an%20id', headers: as(otherKey) });
  expect(malformed.statusCode).toBe(400);
  expect(malformed.json().detail).toMatch(/^orderId: /);
  expect(none.statusCode).toBe(404);
  expect(theirs.json().title).toBe(none.json().title);
});

/** The events of a Server-Sent Events body: name, id and parsed data. */
const sse = (body: string) =>
  body
    .split('\n\n')
    .filter(Boolean)
    .map((block) => {
      const field = (name: string) => block.match(new RegExp(`^${name}: (.*)$`, 'm'))?.[1];
      return {
        event: field('event'),
        id: field('id'),
        data: JSON.parse(field('data') ?? 'null') as Record<string, unknown>,
      };
    });

test("an order's transitions stream as Server-Sent Events until it ends; Last-Event-ID resumes; others' are 404", async () => {
  const sku = await seedSku(stack.pool, { priceCents: 800, stock: { east: 5 } });
  const body = orderRequest({ items: [{ sku, quantity: 1 }] });
  expect((await post(body, as(shopKey, uid('k')))).statusCode).toBe(201);
  const url = `/v1/orders/${body.orderId}/events`;
  // The stream stays open while the order runs and closes after its end: inject answers then.
  const live = await api.inject({ method: 'GET', url, headers: as(shopKey) });
  expect(live.statusCode).toBe(200);
  expect(live.headers['content-type']).toBe('text/event-stream; charset=utf-8');
  const events = sse(live.body);
  const transitions = events.filter((e) => e.event === 'transition');
  expect(transitions.map((e) => e.id)).toEqual(transitions.map((_, i) => String(i)));
  expect(transitions[0]!.data.status).toBe('Created');
  expect(transitions.map((e) => e.data.status)).toContain('Shipped');
  expect(events[events.length - 1]).toEqual({ event: 'end', id: undefined, data: { status: 'Delivered' } });
  const resumed = sse(
    (await api.inject({ method: 'GET', url, headers: { ...as(shopKey), 'last-event-id': '2' } })).body,
  );
  expect(resumed.filter((e) => e.event === 'transition').map((e) => e.id)).toEqual(
    transitions.slice(3).map((e) => e.id),
  );
  expect((await api.inject({ method: 'GET', url, headers: as(otherKey) })).statusCode).toBe(404);
});

test('a body over the limit is refused with 413; the OpenAPI 3.1 document lists the routes', async () => {
  const huge = await api.inject({
    method: 'POST',
    url: '/v1/orders',
    payload: JSON.stringify({ pad: 'x'.repeat(300_000) }),
    headers: { ...as(shopKey, uid('k')), 'content-type': 'application/json' },
  });
  expect(huge.statusCode).toBe(413);
  expect(huge.headers['content-type']).toMatch(/^application\/problem\+json/);
  const doc = (await api.inject({ method: 'GET', url: '/openapi.json' })).json();
  expect(doc.openapi).toBe('3.1.0');
  expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/orders', '/v1/orders/{orderId}']));
  // The interactive docs read the same document.
  const ui = await api.inject({ method: 'GET', url: '/docs' });
  expect(ui.statusCode).toBe(200);
  expect(ui.headers['content-type']).toMatch(/^text\/html/);
  const served = (await api.inject({ method: 'GET', url: '/docs/json' })).json();
  expect(Object.keys(served.paths)).toEqual(expect.arrayContaining(['/v1/orders/{orderId}/approve', '/v1/approvals']));
});

test("with the payment provider's vault down a placement is a 503 saying where it looked; `orders place` exits 1; nothing is started", async () => {
  const down = `http://127.0.0.1:${await freePort()}`;
  const noVault = await startTestApi(stack, { vault: httpPaymentMethodVault(down) });
  try {
    const body = orderRequest({ items: [{ sku: 'KB-001', quantity: 1 }] });
    const res = await noVault.app.inject({
      method: 'POST',
      url: '/v1/orders',
      payload: body,
      headers: as(shopKey, uid('k')),
    });
    expect(res.statusCode).toBe(503);
    expect(res.json().detail).toContain(`Cannot reach the payments API at ${down}`);
    expect(await ordersOf(body.orderId)).toBe(0); // the key is free again
    const orderId = uid('nopay');
    const placed = await runCli(
      [
        'place',
        '--customer',
        'cust-1',
        '--item',
        'KB-001:1',
        '--ship-to',
        JSON.stringify(body.shippingAddress),
        '--token',
        'tok_ok',
        '--order-id',
        orderId,
      ],
      cliEnv(stack.prefix, await noVault.cliAs('desk-nopay', 'customer-service')),
    );
    expect(placed.code).toBe(1);
    expect(placed.stderr).toContain(`Cannot reach the payments API at ${down}`);
    expect(placed.stderr).toContain('nothing was started');
    for (const id of [body.orderId, orderId])
      await expect(stack.client.workflow.getHandle(orderWorkflowId(id)).describe()).rejects.toThrow();
  } finally {
    await noVault.stop();
  }
});

test('`orders api-keys add` prints a key once that the API then accepts; a bad storefront name is exit 2', async () => {
  const storefront = uid('cli-shop');
  const made = await runCli(['api-keys', 'add', '--storefront', storefront, '--json'], cliEnv(stack.prefix));
  expect(made.code).toBe(0);
  const { key, keyId } = JSON.parse(made.stdout) as { key: string; keyId: string };
  const { rows } = await stack.pool.query('SELECT storefront, secret_sha256 FROM api_keys WHERE key_id = $1', [keyId]);
  expect(rows[0].storefront).toBe(storefront);
  // The stored value is the secret's SHA-256, never the secret (which may itself contain '_').
  const secret = key.slice(`dok_${keyId}_`.length);
  expect(rows[0].secret_sha256).toEqual(createHash('sha256').update(secret).digest());
  expect(rows[0].secret_sha256.toString()).not.toContain(secret);
  const read = await api.inject({ method: 'GET', url: `/v1/orders/${uid('ord')}`, headers: as(key) });
  expect(read.statusCode).toBe(404); // past the key check: no such order of this storefront
  const bad = await runCli(['api-keys', 'add', '--storefront', 'not a name'], cliEnv(stack.prefix));
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/^--storefront: /);
});

test("a storefront lists its own orders, newest first, a page at a time; others' never; bad paging is a 400", async () => {
  const key = (await createApiKey(stack.pool, uid('lister'))).key;
  const sku = await seedSku(stack.pool, { priceCents: 700, stock: { east: 10 } });
  const placed: string[] = [];
  for (let i = 0; i < 3; i++) {
    const body = orderRequest({ items: [{ sku, quantity: 1 }] });
    expect((await post(body, as(key, uid('k')))).statusCode).toBe(201);
    placed.push(body.orderId);
  }
  const list = (query: string, k = key) => api.inject({ method: 'GET', url: `/v1/orders${query}`, headers: as(k) });
  const first = (await list('?limit=2')).json() as { orders: Array<{ orderId: string }>; next?: string };
  expect(first.orders.map((o) => o.orderId)).toEqual([placed[2], placed[1]]);
  const second = (await list(`?limit=2&cursor=${first.next}`)).json() as {
    orders: Array<{ orderId: string }>;
    next?: string;
  };
  expect(second.orders.map((o) => o.orderId)).toEqual([placed[0]]);
  expect(second.next).toBeUndefined();
  const mine = (await list('?limit=100', otherKey)).json() as { orders: Array<{ orderId: string }> };
  expect(mine.orders.map((o) => o.orderId)).not.toEqual(expect.arrayContaining([placed[0]]));
  await stack.client.workflow.getHandle(orderWorkflowId(placed[0]!)).result();
  const delivered = (await list('?status=Delivered&limit=100')).json() as {
    orders: Array<{ orderId: string; totalCents: number }>;
  };
  expect(delivered.orders.map((o) => o.orderId)).toContain(placed[0]);
  expect(delivered.orders.find((o) => o.orderId === placed[0])?.totalCents).toBeGreaterThanOrEqual(700);
  for (const [query, field] of [
    ['?limit=0', 'limit'],
    ['?status=Lost', 'status'],
    ['?cursor=bm90IGFuIGlk', 'cursor'],
  ] as const) {
    const bad = await list(query);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().detail).toMatch(new RegExp(`^${field}: `));
  }
});
