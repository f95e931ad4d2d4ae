/**
 * `npm run sandbox-carrier`: the sandbox carrier's booking API on its own (compose, `npm start` and
 * `npm run cluster` run it as a process). Needs DATABASE_URL; listens on CARRIER_API_HOST:CARRIER_API_PORT.
 */
import { createSandboxCarrier } from '../src/providers/sandbox/carrier';
import { sandboxCarrierOptions } from '../src/config';
import { startSandboxCarrierApi } from '../src/providers/sandbox/carrier-api';
import { serveSandbox } from '../src/providers/sandbox/serve';

serveSandbox('sandbox carrier', (pool, config) =>
  startSandboxCarrierApi({
    carrier: createSandboxCarrier(pool, sandboxCarrierOptions(config)),
    host: config.CARRIER_API_HOST,
    port: config.CARRIER_API_PORT,
  }),
);
