/**
 * One resilience policy per provider per worker process (cockatiel): a bulkhead (so many calls at
 * once, a small queue, the rest refused), a circuit breaker (consecutive failures open it; after
 * `halfOpenAfterMs` one probe call decides) and a timeout below the activity's start-to-close.
 *
 * There is no retry here: Temporal's activity retry is the only retry layer. What the policy
 * refuses becomes a retryable ApplicationFailure; an open breaker says when to come back
 * (`nextRetryDelay` = the time left until half-open), so an outage costs waiting attempts, not load.
 */
import { ApplicationFailure } from '@temporalio/common';
import {
  BrokenCircuitError,
  BulkheadRejectedError,
  CircuitState,
  ConsecutiveBreaker,
  TaskCancelledError,
  TimeoutStrategy,
  bulkhead,
  circuitBreaker,
  handleWhen,
  timeout,
  wrap,
} from 'cockatiel';
import { providerCalls, watchBreaker } from '../runtime/metrics';

/** A provider failure that says nothing about the request: 5xx, no connection, no answer in time. */
export class ProviderUnavailable extends Error {
  constructor(
    message: string,
    /** ProviderTimeout when the outcome is unknown (the retry learns it by key), else ProviderUnavailable. */
    readonly type: 'ProviderUnavailable' | 'ProviderTimeout' = 'ProviderUnavailable',
  ) {
    super(message);
  }
}

export interface ResilienceSettings {
  /** Per call; below the activities' start-to-close (15 s for payments). */
  timeoutMs: number;
  /** Consecutive failures that open the breaker. */
  breakerFailures: number;
  /** How long the breaker stays open before one probe call. */
  halfOpenAfterMs: number;
  /** Calls at once, and how many may wait for a slot. */
  bulkheadLimit: number;
  bulkheadQueue: number;
}

export type BreakerState = 'closed' | 'open' | 'half-open' | 'isolated';

export interface ProviderHealth {
  provider: string;
  breaker: BreakerState;
  /** How often it opened since the process started. */
  opened: number;
  /** Calls running now and waiting for a slot. */
  inFlight: number;
  queued: number;
}

const STATES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

export interface Resilient {
  /** Runs `call` under the policy; `signal` aborts it at the timeout. */
  run<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T>;
  health(): ProviderHealth;
}

function outcomeOf(err: unknown): string {
  if (err instanceof BrokenCircuitError) return 'open';
  if (err instanceof BulkheadRejectedError) return 'busy';
  if (err instanceof ProviderUnavailable || err instanceof TaskCancelledError) return 'fault';
  if (err instanceof ApplicationFailure && err.type === 'ProviderNotNow') return 'not-now';
  return 'refused';
}

export function resilient(provider: string, settings: ResilienceSettings): Resilient {
  const limiter = bulkhead(settings.bulkheadLimit, settings.bulkheadQueue);
  const breaker = circuitBreaker(
    handleWhen((err) => err instanceof ProviderUnavailable || err instanceof TaskCancelledError),
    { halfOpenAfter: settings.halfOpenAfterMs, breaker: new ConsecutiveBreaker(settings.breakerFailures) },
  );
  const deadline = timeout(settings.timeoutMs, TimeoutStrategy.Aggressive);
  const policy = wrap(limiter, breaker, deadline);
  let opened = 0;
  let openedAt = 0;
  breaker.onBreak(() => {
    opened += 1;
    openedAt = Date.now();
  });

  watchBreaker(provider, () => STATES[breaker.state]);

  return {
    async run(call) {
      const timer = providerCalls.startTimer({ provider });
      let outcome = 'ok';
      try {
        return await policy.execute(async ({ signal }) => {
          try {
            return await call(signal);
          } catch (err) {
            // Aborted by the timeout: the outcome is unknown (the retry asks again with the same key).
            if (signal.aborted)
              throw new ProviderUnavailable(`no answer within ${settings.timeoutMs} ms`, 'ProviderTimeout');
            throw err;
          }
        });
      } catch (err) {
        outcome = outcomeOf(err);
        const left = Math.max(100, settings.halfOpenAfterMs - (Date.now() - openedAt));
        if (err instanceof BrokenCircuitError)
          throw ApplicationFailure.create({
            type: 'ProviderUnavailable',
            message: `${provider}: circuit open after ${settings.breakerFailures} failures in a row; next try in ${left} ms`,
            nextRetryDelay: left,
          });
        if (err instanceof BulkheadRejectedError)
          throw ApplicationFailure.create({
            type: 'ProviderBusy',
            message: `${provider}: ${settings.bulkheadLimit} calls running and ${settings.bulkheadQueue} waiting`,
            nextRetryDelay: 1_000,
          });
        if (err instanceof TaskCancelledError || err instanceof ProviderUnavailable) {
          // A fault that opened the breaker (or failed its probe) comes back when it half-opens,
          // not after the activity's growing backoff, so orders move as soon as the provider does.
          const reopened = breaker.state === CircuitState.Open;
          throw ApplicationFailure.create({
            type: err instanceof ProviderUnavailable ? err.type : 'ProviderTimeout',
            message:
              err instanceof ProviderUnavailable
                ? `${provider}: ${err.message}`
                : `${provider}: no answer within ${settings.timeoutMs} ms`,
            ...(reopened ? { nextRetryDelay: left } : {}),
          });
        }
        throw err;
      } finally {
        timer({ outcome });
      }
    },
    health: () => ({
      provider,
      breaker: STATES[breaker.state],
      opened,
      inFlight: settings.bulkheadLimit - limiter.executionSlots,
      queued: settings.bulkheadQueue - limiter.queueSlots,
    }),
  };
}
