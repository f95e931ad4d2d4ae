import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../config';
import { loadDataConverter } from '../runtime/data-converter';
import { temporalConnectConfig } from '../runtime/temporal-connection';

/** Operational failure (exit 1) with the address tried and how to start a server. */
export class ServerUnreachable extends Error {}

/** With OTEL_TRACES_EXPORTER set, the order's trace starts here (loaded only then: it is slow to load). */
async function clientInterceptors(serviceName: string) {
  const exporter = loadConfig().OTEL_TRACES_EXPORTER;
  if (exporter === 'none') return undefined;
  const tracing = await import('../runtime/tracing.js');
  tracing.startTracing(exporter, serviceName);
  return tracing.tracingClientInterceptors();
}

/** A client of Temporal for this process (`serviceName`: who its spans say they are, when tracing). */
export async function connectClient(serviceName = 'durable-orders-cli'): Promise<Client> {
  const { address, namespace, options } = temporalConnectConfig();
  // Orders' payloads are encrypted: without the workers' keys the CLI can neither write nor read
  // them, so a missing keyring fails here (KeyringError, exit 1) before anything is sent.
  const dataConverter = loadDataConverter();
  try {
    const connection = await Connection.connect({ ...options, connectTimeout: 5000 });
    return new Client({ connection, namespace, dataConverter, interceptors: await clientInterceptors(serviceName) });
  } catch (err) {
    throw new ServerUnreachable(
      `Cannot reach Temporal at ${address} (${(err as Error).message}).\n` +
        'Start the stack with `npm start`, or set TEMPORAL_ADDRESS to a running server.',
    );
  }
}
