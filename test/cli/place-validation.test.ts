/**
 * Malformed `orders place` requests: each one exits 2 with a message naming the field and the
 * rule, and starts nothing. Workers run on this file's task queues, so an order started by mistake
 * would be picked up and leave traces (a workflow on the queue, an orders row): there must be none.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { ErrorJsonSchema } from '../../src/cli/schemas';
import { TEST_ADDRESS, cliEnv } from '../support/cli';
import { runCli } from '../support/processes';
import { uid } from '../support/orders';
import { startTestWorkers, type TestWorkers } from '../support/workers';

jest.setTimeout(120_000);

let stack: TestWorkers;
let env: NodeJS.ProcessEnv;
const dir = mkdtempSync(path.join(os.tmpdir(), 'orders-cli-bad-'));
const CUSTOMER = uid('custbad');

beforeAll(async () => {
  stack = await startTestWorkers();
  env = cliEnv(stack.prefix);
});
afterAll(() => stack.stop());

const ADDRESS = TEST_ADDRESS;
const shipTo = (patch: Record<string, unknown> = {}) => JSON.stringify({ ...ADDRESS, ...patch });

type Flags = Partial<Record<'--customer' | '--ship-to' | '--token' | '--order-id' | '--shipping', string | null>> & {
  '--item'?: string[] | null;
};

/** A valid request's flags with some replaced (null removes one). */
function flags(orderId: string, patch: Flags = {}): string[] {
  const all: Required<Flags> = {
    '--customer': CUSTOMER,
    '--item': ['KB-001:1'],
    '--ship-to': shipTo(),
    '--token': 'tok_ok',
    '--order-id': orderId,
    '--shipping': null,
    ...patch,
  };
  return Object.entries(all).flatMap(([flag, value]) =>
    value === null ? [] : Array.isArray(value) ? value.flatMap((v) => [flag, v]) : [flag, value],
  );
}

function file(name: string, content: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
}

function orderJson(orderId: string, patch: Record<string, unknown> = {}): string {
  return JSON.stringify({
    orderId,
    customerId: CUSTOMER,
    items: [{ sku: 'KB-001', quantity: 1 }],
    shippingAddress: ADDRESS,
    payment: { method: 'card', token: 'tok_ok' },
    ...patch,
  });
}

interface Case {
  name: string;
  /** The order id the request would have used (checked: no workflow, no row). */
  orderId: string;
  args: string[];
  /** The whole message on stderr. */
  message: string | RegExp;
}

const id = () => uid('bad');
const cases: Case[] = [];
function add(name: string, build: (orderId: string) => { args: string[]; message: string | RegExp; orderId?: string }) {
  const orderId = id();
  const built = build(orderId);
  cases.push({ name, orderId: built.orderId ?? orderId, args: built.args, message: built.message });
}

// Missing fields
add('missing --customer', (o) => ({
  args: ['place', ...flags(o, { '--customer': null })],
  message: 'invalid order: customerId (--customer): is required',
}));
add('missing --item', (o) => ({
  args: ['place', ...flags(o, { '--item': null })],
  message: 'invalid order: items (--item): is required',
}));
add('missing --ship-to', (o) => ({
  args: ['place', ...flags(o, { '--ship-to': null })],
  message: 'invalid order: shippingAddress (--ship-to): is required',
}));
add('missing --token', (o) => ({
  args: ['place', ...flags(o, { '--token': null })],
  message: 'invalid order: payment.token (--token): is required',
}));
add('missing address fields', (o) => ({
  args: ['place', ...flags(o, { '--ship-to': JSON.stringify({ name: 'Ada', country: 'GB' }) })],
  message:
    'invalid order: shippingAddress.line1 (--ship-to): is required; shippingAddress.city (--ship-to): is required; shippingAddress.postalCode (--ship-to): is required',
}));
add('empty order file', (o) => ({
  args: ['place', '--file', file(`${o}.json`, '{}')],
  orderId: o,
  message:
    /^invalid order: customerId: is required; items: is required; shippingAddress: is required; payment: is required$/,
}));
// Wrong types
add('customerId a number (file)', (o) => ({
  args: ['place', '--file', file(`${o}.json`, orderJson(o, { customerId: 42 }))],
  message: 'invalid order: customerId: must be a string',
}));
add('items not an array (file)', (o) => ({
  args: ['place', '--file', file(`${o}.json`, orderJson(o, { items: 'KB-001' }))],
  message: 'invalid order: items: must be an array of items',
}));
add('quantity a string (file)', (o) => ({
  args: ['place', '--file', file(`${o}.json`, orderJson(o, { items: [{ sku: 'KB-001', quantity: '2' }] }))],
  message: 'invalid order: items.0.quantity: must be an integer between 1 and 1000',
}));
add('address an array', (o) => ({
  args: ['place', ...flags(o, { '--ship-to': '[]' })],
  message: 'invalid order: shippingAddress (--ship-to): must be an object',
}));
add('payment method not card (file)', (o) => ({
  args: ['place', '--file', file(`${o}.json`, orderJson(o, { payment: { method: 'paypal', token: 'tok_ok' } }))],
  message: 'invalid order: payment.method: must be "card"',
}));
add('quantity not a number', (o) => ({
  args: ['place', ...flags(o, { '--item': ['KB-001:two'] })],
  message: 'invalid order: items.0.quantity (--item): must be an integer between 1 and 1000',
}));
// Quantities
for (const qty of ['0', '-3', '1001', '99999999999999999999', '1.5', '1e3']) {
  add(`quantity ${qty}`, (o) => ({
    args: ['place', ...flags(o, { '--item': [`KB-001:${qty}`] })],
    message: 'invalid order: items.0.quantity (--item): must be an integer between 1 and 1000',
  }));
}
add('item without quantity', (o) => ({
  args: ['place', ...flags(o, { '--item': ['KB-001'] })],
  message: 'items.0 (--item): expected SKU:QTY, e.g. KB-001:2',
}));
add('duplicate SKUs', (o) => ({
  args: ['place', ...flags(o, { '--item': ['KB-001:1', 'MOUSE-01:1', 'KB-001:2'] })],
  message: 'invalid order: items.2.sku (--item): duplicate sku "KB-001" (also at items.0)',
}));
add('101 lines', (o) => ({
  args: ['place', ...flags(o, { '--item': Array.from({ length: 101 }, (_, i) => `SKU-${i}:1`) })],
  message: 'invalid order: items (--item): must contain at most 100 items',
}));
// Countries
add('unassigned country XX', (o) => ({
  args: ['place', ...flags(o, { '--ship-to': shipTo({ country: 'XX' }) })],
  message: 'invalid order: shippingAddress.country (--ship-to): is not an assigned ISO 3166-1 alpha-2 country code',
}));
add('reserved country UK', (o) => ({
  args: ['place', ...flags(o, { '--ship-to': shipTo({ country: 'UK' }) })],
  message: 'invalid order: shippingAddress.country (--ship-to): is not an assigned ISO 3166-1 alpha-2 country code',
}));
add('lowercase country', (o) => ({
  args: ['place', ...flags(o, { '--ship-to': shipTo({ country: 'gb' }) })],
  message:
    'invalid order: shippingAddress.country (--ship-to): must be an ISO 3166-1 alpha-2 country code: 2 uppercase letters, e.g. "US"',
}));
// Over-long values
add('order id of 65 characters', () => {
  const long = `o${'x'.repeat(64)}`;
  return {
    args: ['place', ...flags(long)],
    orderId: long,
    message:
      'invalid order: orderId (--order-id): must be 1-64 letters, digits, "_" or "-", starting with a letter or digit',
  };
});
add('customer id of 65 characters', (o) => ({
  args: ['place', ...flags(o, { '--customer': 'c'.repeat(65) })],
  message:
    'invalid order: customerId (--customer): must be 1-64 letters, digits, "_" or "-", starting with a letter or digit',
}));
add('name of 201 characters', (o) => ({
  args: ['place', ...flags(o, { '--ship-to': shipTo({ name: 'n'.repeat(201) }) })],
  message: 'invalid order: shippingAddress.name (--ship-to): must be at most 200 characters',
}));
add('token of 129 characters', (o) => ({
  args: ['place', ...flags(o, { '--token': 't'.repeat(129) })],
  message: 'invalid order: payment.token (--token): must be 1-128 letters, digits, "_" or "-"',
}));
// Injection-looking input
add('SQL in the customer id', (o) => ({
  args: ['place', ...flags(o, { '--customer': "x' OR '1'='1" })],
  message:
    'invalid order: customerId (--customer): must be 1-64 letters, digits, "_" or "-", starting with a letter or digit',
}));
add('path in the order id', () => ({
  args: ['place', ...flags('../../etc/passwd')],
  orderId: '../../etc/passwd',
  message:
    'invalid order: orderId (--order-id): must be 1-64 letters, digits, "_" or "-", starting with a letter or digit',
}));
add('visibility query in the order id', () => ({
  args: ['place', ...flags("a' OR WorkflowType != 'x")],
  orderId: "a' OR WorkflowType != 'x",
  message:
    'invalid order: orderId (--order-id): must be 1-64 letters, digits, "_" or "-", starting with a letter or digit',
}));
add('SQL in a SKU', (o) => ({
  args: ['place', ...flags(o, { '--item': ["KB';DROP TABLE stock;--:1"] })],
  message: 'invalid order: items.0.sku (--item): must be 1-64 letters, digits, "_" or "-"',
}));
add('shell in the customer id', (o) => ({
  args: ['place', ...flags(o, { '--customer': '$(touch /tmp/pwned)' })],
  message:
    'invalid order: customerId (--customer): must be 1-64 letters, digits, "_" or "-", starting with a letter or digit',
}));
add('bidi override in the name', (o) => ({
  args: ['place', ...flags(o, { '--ship-to': shipTo({ name: 'Ada \u202Egnp.exe' }) })],
  message: 'invalid order: shippingAddress.name (--ship-to): must not contain control characters',
}));
add('__proto__ key in the address', (o) => ({
  args: ['place', ...flags(o, { '--ship-to': shipTo().replace(/^\{/, '{"__proto__":{"admin":true},') })],
  message: 'invalid order: shippingAddress.__proto__ (--ship-to): is not an allowed field',
}));
add('raw card number as token', (o) => ({
  args: ['place', ...flags(o, { '--token': '4111 1111 1111 1111' })],
  message:
    'invalid order: payment.token (--token): raw card numbers are not accepted (send a card token from the payment provider)',
}));
add('unknown field in the file', (o) => ({
  args: ['place', '--file', file(`${o}.json`, orderJson(o, { discount: 50 }))],
  message: 'invalid order: discount: is not an allowed field',
}));
add('unknown shipping method', (o) => ({
  args: ['place', ...flags(o, { '--shipping': 'overnight' })],
  message: 'invalid order: shippingMethod (--shipping): must be "standard" or "express"',
}));
// Not JSON, unreadable, conflicting
add('non-JSON --file', (o) => {
  const p = file(`${o}.txt`, 'orderId: yes\nthis is not json');
  return { args: ['place', '--file', p], message: `--file ${p}: is not valid JSON` };
});
add('missing --file', (o) => ({
  args: ['place', '--file', path.join(dir, `${o}-missing.json`)],
  message: /^--file: cannot read ".*-missing\.json" \(ENOENT\)$/,
}));
add('non-JSON --ship-to', (o) => ({
  args: ['place', ...flags(o, { '--ship-to': "{name: 'Ada'}" })],
  message: 'shippingAddress (--ship-to): is not valid JSON',
}));
add('missing --ship-to @file', (o) => ({
  args: ['place', ...flags(o, { '--ship-to': `@${path.join(dir, 'nowhere.json')}` })],
  message: /^shippingAddress \(--ship-to\): cannot read ".*nowhere\.json" \(ENOENT\)$/,
}));
add('--file and flags together', (o) => ({
  args: ['place', '--file', file(`${o}.json`, orderJson(o)), '--customer', CUSTOMER],
  message: '--file: give the whole order in the file, or use --customer/--item/--ship-to/--token, not both',
}));
add('--timeout without --wait', (o) => ({
  args: ['place', ...flags(o), '--timeout', '10s'],
  message: '--timeout: only with --wait',
}));
add('malformed --timeout', (o) => ({
  args: ['place', ...flags(o), '--wait', '--timeout', 'soon'],
  message: '--timeout: must be a duration such as 120s, 5m or 1500ms',
}));
add('unknown option', (o) => ({
  args: ['place', ...flags(o), '--discount', '50'],
  message: /^error: unknown option '--discount'/,
}));
add('option without its value', (o) => ({
  args: ['place', ...flags(o), '--token'],
  message: /^error: option '--token <token>' argument missing/,
}));

test.each(cases.map((c) => [c.name, c] as const))(
  '%s → exit 2, named field and rule, nothing started',
  async (_name, c) => {
    const result = await runCli(c.args, env);
    const message = result.stderr.split('\n(add --help')[0]!.trim();
    expect({ code: result.code, stdout: result.stdout }).toEqual({ code: 2, stdout: '' });
    if (typeof c.message === 'string') expect(message).toBe(c.message);
    else expect(message).toMatch(c.message);
    await expect(stack.client.workflow.getHandle(`order-${c.orderId}`).describe()).rejects.toThrow(
      WorkflowNotFoundError,
    );
    const { rows } = await stack.pool.query('SELECT count(*)::int AS n FROM orders WHERE order_id = $1', [c.orderId]);
    expect(rows[0].n).toBe(0);
  },
);

test('with --json a refused request prints one JSON error document', async () => {
  const result = await runCli(['place', ...flags(id(), { '--item': ['KB-001:0'] }), '--json'], env);
  expect(result.code).toBe(2);
  expect(ErrorJsonSchema.parse(JSON.parse(result.stdout))).toEqual({
    error: { exitCode: 2, message: 'invalid order: items.0.quantity (--item): must be an integer between 1 and 1000' },
  });
});

test('invalid input is refused even with no server to talk to (validation comes first)', async () => {
  const result = await runCli(['place', ...flags(id(), { '--customer': null })], {
    ...env,
    TEMPORAL_ADDRESS: '127.0.0.1:1',
  });
  expect(result.code).toBe(2);
});

test("after all of the above: no workflow on this deployment's queue, no order row for its customer", async () => {
  const { count } = await stack.client.workflow.count(`TaskQueue = '${stack.prefix}orders'`);
  expect(count).toBe(0);
  const { rows } = await stack.pool.query('SELECT count(*)::int AS n FROM orders WHERE customer_id = $1', [CUSTOMER]);
  expect(rows[0].n).toBe(0);
});
