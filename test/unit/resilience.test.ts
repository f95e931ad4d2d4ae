/** The resilience policy and the fault injector as pure pieces (the real-stack test is test/providers). */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { jsonCaller, retryAfterMs } from '../../src/providers/http-client';
import { FaultInjector } from '../../src/providers/sandbox/faults';
import { ProviderUnavailable, resilient } from '../../src/providers/resilience';

const settings = { timeoutMs: 200, breakerFailures: 3, halfOpenAfterMs: 5_000, bulkheadLimit: 1, bulkheadQueue: 0 };

async function failure(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ApplicationFailure)) throw new Error(`expected an ApplicationFailure, got ${String(err)}`);
  return err;
}

test('faults in a row open the breaker; then calls fail at once with nextRetryDelay until half-open', async () => {
  const policy = resilient('test provider', settings);
  let calls = 0;
  const down = () => {
    calls += 1;
    return Promise.reject(new ProviderUnavailable('HTTP 503'));
  };
  const first = await failure(policy.run(down));
  expect(first).toMatchObject({ type: 'ProviderUnavailable', nonRetryable: false });
  expect(first.nextRetryDelay).toBeUndefined(); // one fault: the activity's own backoff
  await failure(policy.run(down));
  const third = await failure(policy.run(down)); // this one opens it
  expect(third.nextRetryDelay).toBeDefined();
  expect(policy.health()).toMatchObject({ breaker: 'open', opened: 1 });
  const refused = await failure(policy.run(down));
  expect(calls).toBe(3); // the open breaker did not call the provider
  expect(refused.message).toContain('circuit open');
  expect(Number(refused.nextRetryDelay)).toBeGreaterThan(4_000);
});

test('a business refusal passes through untouched and does not count as a fault', async () => {
  const policy = resilient('test provider', settings);
  for (let i = 0; i < 5; i++) {
    const err = await failure(
      policy.run(() => Promise.reject(ApplicationFailure.nonRetryable('voided', 'AuthorizationVoided'))),
    );
    expect(err).toMatchObject({ type: 'AuthorizationVoided', nonRetryable: true });
  }
  expect(policy.health().breaker).toBe('closed');
});

test('no answer within the timeout is a retryable ProviderTimeout; the bulkhead refuses what does not fit', async () => {
  const policy = resilient('test provider', settings);
  const hung = policy.run(
    (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))),
  );
  const busy = await failure(policy.run(() => Promise.resolve('never runs')));
  expect(busy).toMatchObject({ type: 'ProviderBusy', nextRetryDelay: 1_000 });
  expect(await failure(hung)).toMatchObject({ type: 'ProviderTimeout', nonRetryable: false });
});

test('the fault injector: outage refuses every call, the error rate a share of them, and it counts', async () => {
  const rolls = [0.1, 0.9, 0.2, 0.8];
  const faults = new FaultInjector(() => rolls.shift() ?? 1);
  expect(await faults.before()).toBeUndefined();
  faults.set({ errorRate: 0.5 });
  expect([await faults.before(), await faults.before(), await faults.before(), await faults.before()]).toEqual([
    { kind: 'error' },
    undefined,
    { kind: 'error' },
    undefined,
  ]);
  faults.set({ outageMs: 60_000 });
  expect(await faults.before()).toEqual({ kind: 'outage' });
  expect(faults.state()).toMatchObject({ errorRate: 0.5, injected: { errors: 2, outage: 1, delayed: 0 } });
  expect(faults.state().outageUntil).not.toBeNull();
  expect(faults.clear()).toMatchObject({ errorRate: 0, latencyMs: 0, outageUntil: null });
});

describe('HTTP answers (jsonCaller)', () => {
  /** A provider that answers every call with `status`, `body` and `headers`. */
  async function answering(status: number, body: object, headers: Record<string, string> = {}) {
    const server = createServer((_req, res) => {
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const call = jsonCaller(`http://127.0.0.1:${port}`, resilient('test provider', { ...settings, bulkheadLimit: 5 }));
    return { call, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  }

  test.each([
    [429, {}, { 'Retry-After': '2' }, 2_000],
    [408, {}, {}, 1_000],
    [425, {}, { 'Retry-After': '0' }, 0],
    [409, { error: 'a request with this key is in progress' }, { 'Retry-After': '3' }, 3_000],
  ])('HTTP %i is "not now": retryable after the provider\'s Retry-After', async (status, body, headers, delay) => {
    const { call, close } = await answering(status, body, headers);
    try {
      const err = await failure(call('POST', 'v1/refunds', {}, 'o-1:refund'));
      expect(err).toMatchObject({ type: 'ProviderNotNow', nonRetryable: false, nextRetryDelay: delay });
    } finally {
      await close();
    }
  });

  test.each([
    [409, { error: 'authorization voided', type: 'AuthorizationVoided' }, 'AuthorizationVoided'],
    [400, { error: 'amountCents: must be positive' }, 'ProviderRefused'],
    [422, { error: 'refund above what is left' }, 'ProviderRefused'],
  ])("HTTP %i with %j is the provider's final refusal", async (status, body, type) => {
    const { call, close } = await answering(status, body);
    try {
      expect(await failure(call('POST', 'v1/captures', {}, 'o-1:capture'))).toMatchObject({ type, nonRetryable: true });
    } finally {
      await close();
    }
  });

  test('Retry-After as an HTTP date, and bounded', () => {
    const now = Date.parse('2026-12-06T12:00:00Z');
    expect(retryAfterMs('Sun, 06 Dec 2026 12:00:05 GMT', now)).toBe(5_000);
    expect(retryAfterMs('86400', now)).toBe(5 * 60_000);
    expect(retryAfterMs('soon', now)).toBe(1_000);
    expect(retryAfterMs(null, now)).toBe(1_000);
  });
});

test('the sandbox\'s "not now" fault answers its status with Retry-After, at its rate', async () => {
  const faults = new FaultInjector(() => 0.1);
  faults.set({ transientRate: 0.5, transientStatus: 408, retryAfterS: 4 });
  expect(await faults.before()).toEqual({ kind: 'transient', status: 408, retryAfterS: 4 });
  faults.set({ transientRate: 0.05 });
  expect(await faults.before()).toBeUndefined();
  expect(faults.state()).toMatchObject({ transientRate: 0.05, transientStatus: 408, injected: { transient: 1 } });
});
