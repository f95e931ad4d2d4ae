/**
 * The production topology on one machine: the full Temporal server on PostgreSQL (not the dev
 * server), the sandbox payment provider and carrier as processes of their own, and one worker process per service —
 * two on the payments queue, which Temporal balances between them. Every process is recorded and
 * stopped by pid; the handle lets a test kill one (a crash) and see the survivors carry on.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { SERVICES, type Service } from '../../src/domain';
import { startNodeProcess, type NodeProcess } from '../dev-stack/node-process';
import type { ProcessRegistry } from '../dev-stack/processes';
import { startClusterServer, type ClusterServer } from './cluster-server';
import { ensureServerBuild } from './server-build';
import type { ClusterPorts } from './server-config';
import { clusterDatabases, ensureTemporalSchema } from './temporal-schema';

export interface ClusterOptions {
  /** A PostgreSQL server URL: Temporal's two databases are created there. */
  temporalServerUrl: string;
  /** Prefix of those databases (`<prefix>` and `<prefix>_visibility`). */
  temporalDatabasePrefix: string;
  /** The application's database (orders, ledger, stock), migrated by the workers. */
  appDatabaseUrl: string;
  ports: ClusterPorts;
  namespace: string;
  paymentsApiPort: number;
  carrierApiPort: number;
  /** The Orders API (and its console), started once the workers have migrated the schema. */
  ordersApiPort: number;
  /** Worker processes on the payments queue (default 2). */
  paymentsWorkers?: number;
  runDir: string;
  registry: ProcessRegistry;
  /** Extra environment of every worker and the provider (codec keys, task queue prefix, timings). */
  env?: NodeJS.ProcessEnv;
  /** AMQP_URL: a process for the outbox relay, notifications and carrier events joins the workers. */
  amqpUrl?: string;
  onProgress?: (line: string) => void;
}

export type ClusterProcess = Required<NodeProcess>;

export interface RunningCluster {
  server: ClusterServer;
  paymentsUrl: string;
  processes: ClusterProcess[];
  /** Stops workers first (they drain), then the provider, then the server. */
  stop(): Promise<void>;
}

export async function startCluster(opts: ClusterOptions): Promise<RunningCluster> {
  const say = opts.onProgress ?? (() => undefined);
  const { registry } = opts;
  mkdirSync(opts.runDir, { recursive: true });
  const started: ClusterProcess[] = [];
  const stop = async () => {
    // Newest first: workers drain before the providers and the server they call go away.
    for (const p of [...started].reverse()) await registry.stop(p.pid, 20_000);
  };
  try {
    const build = await ensureServerBuild({ onProgress: say });
    const databases = clusterDatabases(opts.temporalServerUrl, opts.temporalDatabasePrefix);
    say(`Temporal schema on ${databases.host}:${databases.port} (${databases.main}, ${databases.visibility})...`);
    await ensureTemporalSchema(build, opts.temporalServerUrl, databases);
    say(`Starting the Temporal server ${build.version} (4 history shards) on 127.0.0.1:${opts.ports.frontend}...`);
    const server = await startClusterServer({ ...opts, build, databases, runDir: opts.runDir });
    started.push({ name: 'temporal-server', pid: server.pid, log: path.join(opts.runDir, 'server.log') });

    const paymentsUrl = `http://127.0.0.1:${opts.paymentsApiPort}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...opts.env,
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_NAMESPACE: opts.namespace,
      DATABASE_URL: opts.appDatabaseUrl,
      PAYMENTS_API_PORT: String(opts.paymentsApiPort),
      PAYMENTS_API_HOST: '127.0.0.1',
      PAYMENTS_URL: paymentsUrl,
      PAYMENTS_PROVIDER: 'http',
      CARRIER_API_PORT: String(opts.carrierApiPort),
      CARRIER_API_HOST: '127.0.0.1',
      CARRIER_URL: `http://127.0.0.1:${opts.carrierApiPort}`,
      CARRIER_PROVIDER: 'http',
      ORDERS_API_PORT: String(opts.ordersApiPort),
      ORDERS_API_HOST: '127.0.0.1',
      // With a broker, the shipping worker's carrier publishes to the queue the events process consumes.
      ...(opts.amqpUrl ? { AMQP_URL: opts.amqpUrl, SANDBOX_CARRIER_VIA: 'broker' } : {}),
    };
    const launch = async (name: string, script: string, args: string[], ready: RegExp) => {
      const logFile = path.join(opts.runDir, `${name}.log`);
      const { pid } = await startNodeProcess({ registry, name, script, args, env, ready, logFile });
      started.push({ name, pid, log: logFile });
    };

    say(`Starting the sandbox payment provider on ${paymentsUrl}...`);
    await launch('payments-provider', 'scripts/sandbox-payments.js', [], /sandbox payments API on/);
    say(`Starting the sandbox carrier on http://127.0.0.1:${opts.carrierApiPort}...`);
    await launch('carrier-provider', 'scripts/sandbox-carrier.js', [], /sandbox carrier API on/);
    // Workers one at a time: each migrates the schema first, and their start-up is CPU-bound.
    const workers: Array<[string, Service]> = [];
    for (const service of SERVICES) {
      const copies = service === 'payments' ? (opts.paymentsWorkers ?? 2) : 1;
      for (let i = 1; i <= copies; i++)
        workers.push([copies > 1 ? `worker-${service}-${i}` : `worker-${service}`, service]);
    }
    for (const [name, service] of workers) {
      say(`Starting ${name}...`);
      await launch(name, 'worker.js', ['--service', service], /workers polling/);
    }
    say(`Starting the Orders API on http://127.0.0.1:${opts.ordersApiPort}...`);
    await launch('orders-api', 'scripts/api.js', [], /orders API on/);
    if (opts.amqpUrl) {
      say('Starting the events process (outbox relay, notifications, carrier events)...');
      const parts = ['relay', 'notifications', 'carrier-events'].flatMap((p) => ['--events', p]);
      await launch('events', 'worker.js', parts, /workers polling/);
    }
    return { server, paymentsUrl, processes: started, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
