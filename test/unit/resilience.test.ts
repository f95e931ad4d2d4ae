/** The resilience policy and the fault injector as pure pieces (the real-stack test is test/providers). */
import { ApplicationFailure } from '@temporalio/common';
import { FaultInjector } from '../../src/infra/sandbox-faults';
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
    'error',
    undefined,
    'error',
    undefined,
  ]);
  faults.set({ outageMs: 60_000 });
  expect(await faults.before()).toBe('outage');
  expect(faults.state()).toMatchObject({ errorRate: 0.5, injected: { errors: 2, outage: 1, delayed: 0 } });
  expect(faults.state().outageUntil).not.toBeNull();
  expect(faults.clear()).toMatchObject({ errorRate: 0, latencyMs: 0, outageUntil: null });
});
