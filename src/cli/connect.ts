import { Client, Connection } from '@temporalio/client';
import { loadDataConverter } from '../infra/data-converter';
import { temporalConnectConfig } from '../infra/temporal-connection';

/** Operational failure (exit 1) with the address tried and how to start a server. */
export class ServerUnreachable extends Error {}

export async function connectClient(): Promise<Client> {
  const { address, namespace, options } = temporalConnectConfig();
  // Orders' payloads are encrypted: without the workers' keys the CLI can neither write nor read
  // them, so a missing keyring fails here (KeyringError, exit 1) before anything is sent.
  const dataConverter = loadDataConverter();
  try {
    const connection = await Connection.connect({ ...options, connectTimeout: 5000 });
    return new Client({ connection, namespace, dataConverter });
  } catch (err) {
    throw new ServerUnreachable(
      `Cannot reach Temporal at ${address} (${(err as Error).message}).\n` +
        'Start the stack with `npm start`, or set TEMPORAL_ADDRESS to a running server.',
    );
  }
}
