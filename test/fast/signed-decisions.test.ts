/**
 * Decisions nobody can forge (src/domain/decisions.ts), on the fast tier: a client with full
 * access to the order's workflow but without the decision signing key cannot approve, reject or
 * cancel it, whatever it puts in the payload; the key holder's signed decisions are good once.
 */
import { Client, Connection, WorkflowUpdateFailedError } from '@temporalio/client';
import { generateKeyPairSync } from 'node:crypto';
import { approveSignal, approveUpdate, cancelSignal, cancelUpdate, rejectUpdate } from '../../workflows/order-api';
import { decisionSays, orderIdOfWorkflow, type SignedDecision } from '../../src/domain';
import { signDecision } from '../../src/runtime/decision-keys';
import { signedDecision, runSigningKey } from '../support/decisions';
import { waitForView as viewWhen } from '../support/orders';
import { fastPolicy, startFastStack, type FastStack } from './support/fast-stack';

let stack: FastStack;
let plain: Client; // full Temporal access, no signing key
beforeAll(async () => {
  stack = await startFastStack({
    catalog: { PIANO: { name: 'Piano', priceCents: 250_000, currency: 'USD' } },
    stock: { PIANO: 100 },
    policy: fastPolicy(),
  });
  plain = new Client({ connection: await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! }) });
});
afterAll(() => stack.stop());

async function waitingOrder() {
  const handle = await stack.place([{ sku: 'PIANO', quantity: 1 }]);
  await viewWhen(handle, (v) => v.status === 'AwaitingApproval');
  return { handle: plain.workflow.getHandle(handle.workflowId), orderId: orderIdOfWorkflow(handle.workflowId) };
}

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => 'accepted',
    (err: unknown) => (err instanceof WorkflowUpdateFailedError ? String(err.cause?.message) : `threw ${String(err)}`),
  );

test('an unsigned approve, reject or cancel is refused with the reason; the order keeps waiting', async () => {
  const { handle } = await waitingOrder();
  expect(await refusal(handle.executeUpdate(approveUpdate, { args: [{ by: 'alice' }] }))).toMatch(
    /unsigned approve is refused/,
  );
  expect(await refusal(handle.executeUpdate(rejectUpdate, { args: [{ by: 'alice', reason: 'x' }] }))).toMatch(
    /unsigned reject is refused/,
  );
  expect(await refusal(handle.executeUpdate(cancelUpdate, { args: [{ reason: 'x' }] }))).toMatch(
    /unsigned cancel is refused/,
  );
  await handle.signal(approveSignal, { by: 'alice' });
  await handle.signal(cancelSignal, { reason: 'x', by: 'operator' });
  const view = await viewWhen(handle, (v) => v.history.some((h) => h.note?.startsWith('refused cancel signal')));
  expect(view.history.map((h) => h.note)).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^refused approve signal: an unsigned approve is refused/),
      expect.stringMatching(/^refused cancel signal: an unsigned cancel is refused/),
    ]),
  );
  expect(view.status).toBe('AwaitingApproval');
  expect(view.approval).toBeUndefined();
  expect(stack.fakes.calls).not.toContain('authorize');
});

test('a forged, altered, misdirected, expired or wrongly-held decision is refused, each with its reason', async () => {
  const { handle, orderId } = await waitingOrder();
  const { privateKey } = generateKeyPairSync('ed25519');
  const cases: Array<[string, SignedDecision, RegExp, string?]> = [
    [
      'signed by another key under the real key id',
      signDecision(
        { id: runSigningKey().id, key: privateKey },
        { orderId, decision: 'approve', by: 'alice', role: 'approver', says: decisionSays('approve', {}) },
      ),
      /signature does not verify/,
    ],
    [
      'a real signature with the name changed',
      { ...signedDecision({ orderId, decision: 'approve', by: 'mallory', role: 'approver' }), by: 'alice' },
      /signature does not verify/,
    ],
    [
      'a real signature over no note, sent with one',
      signedDecision({ orderId, decision: 'approve', by: 'alice', role: 'approver' }),
      /says something else than what was signed/,
      'a note added on the way',
    ],
    [
      'for another order',
      signedDecision({ orderId: 'ord-other', decision: 'approve', by: 'alice', role: 'approver' }),
      /is for order ord-other/,
    ],
    [
      'a cancel presented as an approve',
      signedDecision({ orderId, decision: 'cancel', by: 'alice', role: 'operator' }),
      /is a cancel, not a approve/,
    ],
    [
      'issued ten minutes ago',
      signedDecision({ orderId, decision: 'approve', by: 'alice', role: 'approver' }, new Date(Date.now() - 600_000)),
      /expired/,
    ],
    [
      'a role that may not approve',
      signedDecision({ orderId, decision: 'approve', by: 'alice', role: 'customer-service' }),
      /role "customer-service" may not approve/,
    ],
    [
      'an unknown key id',
      { ...signedDecision({ orderId, decision: 'approve', by: 'alice', role: 'approver' }), keyId: 'k-elsewhere' },
      /key "k-elsewhere", which this worker does not hold/,
    ],
  ];
  for (const [what, proof, why, note] of cases) {
    const answer = await refusal(
      handle.executeUpdate(approveUpdate, { args: [{ by: 'alice', proof, ...(note ? { note } : {}) }] }),
    );
    expect({ what, answer }).toEqual({ what, answer: expect.stringMatching(why) });
  }
  const view = await handle.query('status');
  expect(view).toMatchObject({ status: 'AwaitingApproval' });
  expect(stack.fakes.calls).not.toContain('authorize');
});

test("a signed decision is good once, and its signer's name is the one recorded, whatever the payload says", async () => {
  const { handle, orderId } = await waitingOrder();
  const byCarol = signedDecision({ orderId, decision: 'approve', by: 'carol', role: 'approver' });
  expect(await refusal(handle.executeUpdate(approveUpdate, { args: [{ by: 'alice', proof: byCarol }] }))).toMatch(
    /"carol" is not an authorised approver/,
  );
  const byAlice = signedDecision({ orderId, decision: 'approve', by: 'alice', role: 'approver' });
  const approved = await handle.executeUpdate(approveUpdate, { args: [{ by: 'mallory', proof: byAlice }] });
  expect(approved.approval).toMatchObject({ decision: 'approved', by: 'alice', role: 'approver' });
  expect(await refusal(handle.executeUpdate(approveUpdate, { args: [{ by: 'alice', proof: byAlice }] }))).toMatch(
    /already used \(replayed nonce\)/,
  );
  // A storefront's signed cancel is always the customer's, whoever the payload names.
  const byShop = signedDecision({ orderId, decision: 'cancel', by: 'storefront:olga', role: 'storefront' }, undefined, {
    reason: 'customer asked',
  });
  const cancelled = await handle.executeUpdate(cancelUpdate, { args: [{ reason: 'customer asked', proof: byShop }] });
  expect(cancelled).toMatchObject({ status: 'Refunded', failureReason: 'cancelled-by-customer' });
  expect(cancelled.history.map((h) => h.note)).toContain(
    'cancellation granted by storefront:olga (storefront, signed): customer asked',
  );
});
