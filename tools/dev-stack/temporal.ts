import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { ensureSearchAttributes, searchAttributeFlags } from '../../src/runtime/search-attributes';
import { howToGetTemporalCli, resolveTemporalCli } from './temporal-cli';
import { startDevServer } from './temporal-server';

export interface TemporalTarget {
  address: string;
  uiUrl?: string;
  /** How we got it, for the banner: 'given' | 'dev server (<binary>)' | 'sdk download'. */
  description: string;
  stop(): Promise<void>;
}

export interface EnsureTemporalOptions {
  address?: string;
  namespace: string;
  port: number;
  uiPort?: number;
  dbFile?: string;
  /** The codec server the Web UI decodes payloads through (a dev server we start only). */
  uiCodecEndpoint?: string;
  onProgress?: (line: string) => void;
  onLog?: (line: string) => void;
}

/** Uses the given server (registering our search attributes there) or starts a dev server. */
export async function ensureTemporal(opts: EnsureTemporalOptions): Promise<TemporalTarget> {
  if (opts.address) {
    const connection = await Connection.connect({ address: opts.address });
    try {
      await ensureSearchAttributes(connection, opts.namespace);
    } finally {
      await connection.close();
    }
    return { address: opts.address, description: 'given (TEMPORAL_ADDRESS)', stop: async () => undefined };
  }
  const cli = await resolveTemporalCli({ onProgress: opts.onProgress });
  if (cli.kind === 'path') {
    const server = await startDevServer({
      cliPath: cli.path,
      port: opts.port,
      uiPort: opts.uiPort,
      dbFile: opts.dbFile,
      namespace: opts.namespace,
      uiCodecEndpoint: opts.uiCodecEndpoint,
      onLog: opts.onLog,
    });
    return { ...server, description: `dev server (${cli.path}, from ${cli.source})` };
  }
  opts.onProgress?.('No Temporal CLI binary here: asking the Temporal SDK to download its dev server...');
  try {
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        ip: '127.0.0.1',
        port: opts.port,
        ui: opts.uiPort !== undefined,
        uiPort: opts.uiPort,
        dbFilename: opts.dbFile,
        namespace: opts.namespace,
        extraArgs: [
          ...searchAttributeFlags(),
          ...(opts.uiCodecEndpoint ? ['--ui-codec-endpoint', opts.uiCodecEndpoint] : []),
        ],
        executable: { type: 'cached-download' },
      },
    });
    return {
      address: env.address,
      uiUrl: opts.uiPort === undefined ? undefined : `http://localhost:${opts.uiPort}`,
      description: 'dev server (downloaded by the SDK)',
      stop: () => env.teardown(),
    };
  } catch (err) {
    throw new Error(`The SDK could not download a dev server (${(err as Error).message}).\n${howToGetTemporalCli()}`, {
      cause: err,
    });
  }
}
