import { Client, Connection } from '@temporalio/client';
import { temporalConnectConfig } from '../infra/temporal-connection';

/** Operational failure (exit 1) with the address tried and how to start a server. */
export class ServerUnreachable extends Error {}

export async function connectClient(): Promise<Client> {
  const { address, namespace, options } = temporalConnectConfig();
  try {
    const connection = await Connection.connect({ ...options, connectTimeout: 5000 });
    return new Client({ connection, namespace });
  } catch (err) {
    throw new ServerUnreachable(
      `Cannot reach Temporal at ${address} (${(err as Error).message}).\n` +
        'Start the stack with `npm start`, or set TEMPORAL_ADDRESS to a running server.',
    );
  }
}
