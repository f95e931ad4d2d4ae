import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../config';
import { loadDataConverter } from '../runtime/data-converter';
import { loadSigningKey, type SigningKey } from '../runtime/decision-keys';
import { decisionSigningInterceptor } from '../runtime/decision-signer';
import { temporalConnectConfig } from '../runtime/temporal-connection';

/** Operational failure (exit 1) with the address tried and how to start a server. */
export class ServerUnreachable extends Error {}

/**
 * Decisions (approve, reject, cancel) leave signed with this machine's decision signing key, read
 * at the first one (src/runtime/decision-signer.ts). With OTEL_TRACES_EXPORTER set, the order's
 * trace starts here too (loaded only then: it is slow to load).
 */
async function clientInterceptors() {
  const config = loadConfig();
  let key: SigningKey | undefined;
  const signing = decisionSigningInterceptor(() => (key ??= loadSigningKey(config)));
  if (config.OTEL_TRACES_EXPORTER === 'none') return { workflow: [signing] };
  const tracing = await import('../runtime/tracing.js');
  tracing.startTracing(config.OTEL_TRACES_EXPORTER, 'durable-orders-cli');
  return { workflow: [...(tracing.tracingClientInterceptors()?.workflow ?? []), signing] };
}

export async function connectClient(): Promise<Client> {
  const { address, namespace, options } = temporalConnectConfig();
  // Orders' payloads are encrypted: without the workers' keys the CLI can neither write nor read
  // them, so a missing keyring fails here (KeyringError, exit 1) before anything is sent.
  const dataConverter = loadDataConverter();
  try {
    const connection = await Connection.connect({ ...options, connectTimeout: 5000 });
    return new Client({ connection, namespace, dataConverter, interceptors: await clientInterceptors() });
  } catch (err) {
    throw new ServerUnreachable(
      `Cannot reach Temporal at ${address} (${(err as Error).message}).\n` +
        'Start the stack with `npm start`, or set TEMPORAL_ADDRESS to a running server.',
    );
  }
}
