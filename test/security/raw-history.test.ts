/**
 * What someone with Temporal access but without our keys sees: the raw history, read with the plain
 * `temporal` CLI (no codec endpoint), of an order (from v0.8 its parcels are steps of its own history). Every payload must be
 * ciphertext, and no name, address part or card token may appear anywhere in it. A positive control
 * decrypts the same history with the keys and finds the address, so the search cannot pass vacuously.
 *
 * The second test rotates the key in the middle of an order: workers restarted with a new key in front
 * finish the order (replaying history written with the old key), new payloads carry the new key's id,
 * and a process that dropped the old key is told exactly which key it lacks.
 */
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { newKeyEntry, parseKeyring } from '../../src/runtime/codec-keys';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA } from '../../src/runtime/payload-codec';
import { approveUpdate } from '../../workflows/order-api';
import type { orderWorkflow } from '../../workflows/order';
import {
  asPayload,
  fromBase64 as b64,
  localActivityMarkerData,
  patchMarkerData,
  payloadsIn,
  rawHistory,
} from '../support/raw-history';
import { PATCHES } from '../../workflows/patches';
import {
  distinctiveCustomer,
  orderRequest,
  place,
  seedSku,
  testPolicy,
  testSettings,
  waitForView,
} from '../support/orders';
import { startTestWorkers, type TestWorkers } from '../support/workers';

jest.setTimeout(120_000);

const LOCAL_ACTIVITY_MARKER_KEYS = [
  'activity_id',
  'activity_type',
  'attempt',
  'backoff',
  'complete_time',
  'original_schedule_time',
  'seq',
];

/** Personal data of this test's customer: none of it may be readable in raw history. */
function privateOrder(sku: string, quantity = 1) {
  const { address, token, secrets } = distinctiveCustomer();
  return { request: { ...orderRequest({ items: [{ sku, quantity }], token }), shippingAddress: address }, secrets };
}

/** Child workflow ids started from a raw history (the order's shipments). */
function childIds(events: unknown[]): string[] {
  return events.flatMap((e) => {
    const id = (e as { startChildWorkflowExecutionInitiatedEventAttributes?: { workflowId?: string } })
      .startChildWorkflowExecutionInitiatedEventAttributes?.workflowId;
    return id ? [id] : [];
  });
}

describe('raw history holds only ciphertext', () => {
  let stack: TestWorkers;
  beforeAll(async () => {
    stack = await startTestWorkers();
  });
  afterAll(() => stack.stop());

  test('an order and its parcels: every payload encrypted, no name, address or token anywhere', async () => {
    const sku = await seedSku(stack.pool, { priceCents: 2_500, stock: { east: 1, west: 1 } });
    const { request, secrets } = privateOrder(sku, 2); // two warehouses: two parcels, booked by the order
    const { handle, workflowId } = await place(stack.client, request, testSettings(), stack.prefix);
    expect((await handle.result()).status).toBe('Delivered');

    const order = await rawHistory(workflowId);
    expect(childIds(order.events)).toEqual([]); // v0.8: no shipment children
    const histories = [order];

    const keyring = parseKeyring(process.env.PAYLOAD_CODEC_KEYS!, 'PAYLOAD_CODEC_KEYS');
    let decryptedText = '';
    // The orders service's steps are local activities: the SDK's own marker data is plaintext, and
    // holds only its bookkeeping (keys checked, values searched for secrets with the whole text).
    const markers = localActivityMarkerData(order.events);
    expect(markers.map((m) => m.activity_type)).toEqual(expect.arrayContaining(['priceOrder', 'recordStatus']));
    for (const m of markers) expect(Object.keys(m).sort()).toEqual(LOCAL_ACTIVITY_MARKER_KEYS);
    // A patch marker (workflows/patches.ts) holds the patch's id and nothing else.
    expect(patchMarkerData(order.events)).toEqual([
      { id: PATCHES.leanHistory, deprecated: false },
      { id: PATCHES.parcelsInOrder, deprecated: false }, // when it ships
    ]);
    for (const history of histories) {
      for (const secret of secrets) expect(history.text).not.toContain(secret);
      const payloads = payloadsIn(history.events);
      expect(payloads.length).toBeGreaterThan(5);
      for (const p of payloads) {
        expect(b64(p.metadata!.encoding).toString()).toBe(ENCRYPTED_ENCODING);
        expect(b64(p.metadata![KEY_ID_METADATA]).toString()).toBe(keyring.current.id);
        const data = b64(p.data);
        for (const secret of secrets) expect(data.includes(secret)).toBe(false);
      }
      const decrypted = await new AesGcmPayloadCodec(keyring).decode(payloads.map(asPayload));
      decryptedText += decrypted.map((p) => JSON.stringify(defaultPayloadConverter.fromPayload(p))).join('\n');
    }
    // The control: with the keys, the order's input is there (address in the order and its bookings).
    expect(decryptedText).toContain(secrets[0]);
    expect(decryptedText).toContain(secrets[1]);
    // The card token never entered Temporal at all, not even encrypted: only the vault's reference did.
    const token = secrets.at(-1)!;
    expect(decryptedText).not.toContain(token);
    expect(decryptedText).toMatch(/"paymentMethodId":"pm_[a-f0-9]{24}"/);
  });
});

test('key rotation mid-order: the new key encrypts what follows, the old key still decrypts what came before', async () => {
  const oldKeys = newKeyEntry(new Date('2026-01-01'));
  const rotated = `${newKeyEntry(new Date('2026-06-01'))},${oldKeys}`;
  const oldId = parseKeyring(oldKeys, 'old').current.id;
  const newId = parseKeyring(rotated, 'rotated').current.id;
  const policy = testPolicy({ approvalTimeoutMs: 120_000 });

  const before = await startTestWorkers(undefined, undefined, { codecKeys: oldKeys, policy });
  let stopped = false;
  let after: TestWorkers | undefined;
  try {
    const sku = await seedSku(before.pool, { priceCents: 150_000, stock: { east: 1 } }); // above the threshold
    const { request, secrets } = privateOrder(sku);
    const { workflowId, handle } = await place(before.client, request, testSettings(), before.prefix);
    await waitForView(handle, (v) => v.status === 'AwaitingApproval');
    await before.stop();
    stopped = true;

    // The same task queues, new workers whose keyring has the new key in front of the old one.
    after = await startTestWorkers(undefined, undefined, { codecKeys: rotated, policy, prefix: before.prefix });
    const afterHandle = after.client.workflow.getHandle<typeof orderWorkflow>(workflowId);
    await afterHandle.executeUpdate(approveUpdate, { args: [{ by: 'alice' }] });
    expect((await afterHandle.result()).status).toBe('Delivered');

    const raw = await rawHistory(workflowId);
    const ids = payloadsIn(raw.events).map((p) => b64(p.metadata![KEY_ID_METADATA]).toString());
    expect(ids[0]).toBe(oldId); // the start input, written before the rotation
    expect(ids.at(-1)).toBe(newId); // the result, written after it
    expect(new Set(ids)).toEqual(new Set([oldId, newId]));
    for (const secret of secrets) expect(raw.text).not.toContain(secret);

    // The start input as stored: the rotated keyring decrypts it to the order placed under the old
    // key; a keyring that dropped the old key is told which key it lacks.
    const history = await afterHandle.fetchHistory();
    const startInput = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads! as Payload[];
    const [decoded] = await new AesGcmPayloadCodec(parseKeyring(rotated, 'rotated')).decode(startInput);
    expect(JSON.stringify(defaultPayloadConverter.fromPayload(decoded!))).toContain(secrets[0]);
    const newOnly = new AesGcmPayloadCodec(parseKeyring(rotated.split(',')[0]!, 'new only'));
    await expect(newOnly.decode(startInput)).rejects.toThrow(`key "${oldId}", which is not in this process's keyring`);
  } finally {
    if (!stopped) await before.stop();
    await after?.stop();
  }
});
