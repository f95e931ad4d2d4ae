/**
 * `npm run sandbox-payments`: the sandbox payment provider's API (vault and payment calls) on its own
 * (compose, `npm start` and `npm run cluster` run it as a process). Needs DATABASE_URL; listens on
 * PAYMENTS_API_HOST:PAYMENTS_API_PORT (the schema is the workers' migrations).
 */
import { createSandboxPaymentProvider } from '../src/providers/sandbox/payments';
import { startSandboxPaymentsApi } from '../src/providers/sandbox/payments-api';
import { serveSandbox } from '../src/providers/sandbox/serve';

serveSandbox('sandbox payments', (pool, config) =>
  startSandboxPaymentsApi({
    provider: createSandboxPaymentProvider(pool, { slowMs: config.SANDBOX_PAYMENT_DELAY_MS }),
    host: config.PAYMENTS_API_HOST,
    port: config.PAYMENTS_API_PORT,
  }),
);
