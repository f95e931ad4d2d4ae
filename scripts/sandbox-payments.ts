/**
 * `npm run sandbox-payments`: the sandbox payment provider's API (vault and payment calls) on its own, for a
 * stack that `npm start` did not start (compose). Needs DATABASE_URL; listens on
 * PAYMENTS_API_HOST:PAYMENTS_API_PORT (the schema is the workers' migrations).
 */
import { createSandboxPaymentProvider } from '../activities/payments-sandbox';
import { loadConfig, poolTimeouts } from '../src/config';
import { createPool } from '../src/db/pool';
import { startSandboxPaymentsApi } from '../src/infra/sandbox-payments-api';

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.DATABASE_URL)
    throw new Error('DATABASE_URL is not set: the sandbox vault keeps its records in PostgreSQL.');
  const pool = createPool(config.DATABASE_URL, config.PAYMENTS_BULKHEAD_LIMIT, poolTimeouts(config));
  const api = await startSandboxPaymentsApi({
    provider: createSandboxPaymentProvider(pool, { slowMs: config.SANDBOX_PAYMENT_DELAY_MS }),
    host: config.PAYMENTS_API_HOST,
    port: config.PAYMENTS_API_PORT,
  });
  console.log(`sandbox payments API on ${api.url}`);
  const stop = () =>
    void api
      .stop()
      .then(() => pool.end())
      .then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
