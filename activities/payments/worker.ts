import type { Config } from '../../src/config';
import { createSandboxPaymentProvider } from '../../src/providers/sandbox/payments';
import { createDiagnosticsActivities } from '../diagnostics';
import { providerStatus, type ServiceWorker } from '../service-worker';
import { createPaymentActivities } from './activities';

/**
 * Money: authorize, capture, void, refund through the payment provider (default: the sandbox
 * in-process). Its worker takes no more tasks than the provider's bulkhead lets through (calls at
 * once + queue) and keeps to the provider's quota (PAYMENTS_MAX_PER_SECOND).
 */
export const paymentsWorker: ServiceWorker = {
  service: 'payments',
  activities: (deps, config) => ({
    ...createDiagnosticsActivities(deps.pool, () => providerStatus('provider', deps.paymentProvider)),
    ...createPaymentActivities(
      deps.pool,
      deps.paymentProvider ??
        createSandboxPaymentProvider(deps.pool, {
          slowMs: deps.sandboxPaymentDelayMs ?? config.SANDBOX_PAYMENT_DELAY_MS,
        }),
    ),
  }),
  slots: (config: Config) => ({
    maxConcurrentActivityTaskExecutions: Math.min(
      config.PG_POOL_SIZE,
      config.PAYMENTS_BULKHEAD_LIMIT + config.PAYMENTS_BULKHEAD_QUEUE,
    ),
    ...(config.PAYMENTS_MAX_PER_SECOND ? { maxTaskQueueActivitiesPerSecond: config.PAYMENTS_MAX_PER_SECOND } : {}),
  }),
};
