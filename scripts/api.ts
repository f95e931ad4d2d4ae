/**
 * `npm run api`: the Orders API on ORDERS_API_HOST:ORDERS_API_PORT (default 127.0.0.1:8238; `npm
 * start` runs it). Needs DATABASE_URL, Temporal (TEMPORAL_ADDRESS), the payload keys, the decision
 * signing key and the payment provider's vault (PAYMENTS_URL); the schema is the workers' migrations.
 * OIDC_ISSUER and its settings add sign-in through the company's identity provider (src/api/oidc.ts).
 */
import { buildApi } from '../src/api/server';
import { connectClient } from '../src/cli/connect';
import { loadConfig, oidcSettings, paymentsUrl, poolTimeouts } from '../src/config';
import { createPool } from '../src/db/pool';
import { httpPaymentMethodVault } from '../src/placement/payment-methods';
import { settingsFromConfig } from '../src/placement/place-order';
import { loadSigningKey } from '../src/runtime/decision-keys';
import { uiBase, workflowUrl } from '../src/cli/output';
import { orderWorkflowId } from '../src/domain';
import { closeOnSignals } from '../src/runtime/shutdown';

async function main(): Promise<void> {
  const config = loadConfig();
  const oidc = oidcSettings(config); // checked before anything connects: a wrong setting stops the start
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is not set: the Orders API keeps its keys in PostgreSQL.');
  const pool = createPool(config.DATABASE_URL, config.PG_POOL_SIZE, poolTimeouts(config));
  const client = await connectClient('durable-orders-api');
  const app = await buildApi({
    client,
    pool,
    vault: httpPaymentMethodVault(paymentsUrl(config)),
    settings: settingsFromConfig(config),
    taskQueuePrefix: config.TASK_QUEUE_PREFIX,
    maxInFlight: config.MAX_ORDERS_IN_FLIGHT,
    signing: loadSigningKey(config),
    orderUrl: (orderId) => workflowUrl(uiBase(config), config.TEMPORAL_NAMESPACE, orderWorkflowId(orderId)),
    oidc,
  });
  const url = await app.listen({ host: config.ORDERS_API_HOST, port: config.ORDERS_API_PORT });
  console.log(`orders API on ${url}`);
  closeOnSignals(
    () => app.close(),
    () => pool.end(),
    () => client.connection.close(),
  );
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
