#!/usr/bin/env node
/**
 * The worker process: by default one worker per service task queue (orders, inventory, payments,
 * shipping); `--service NAME` (repeatable) runs only those. Stops gracefully on SIGINT/SIGTERM:
 * in-flight activities finish, then connections close.
 */
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { loadConfig, poolTimeouts } from './src/config';
import { migrate } from './src/db/migrate';
import { createPool, type PoolTimeouts } from './src/db/pool';
import { SERVICES, type Service } from './src/domain';
import { loadDataConverter } from './src/infra/data-converter';
import { installRuntimeLogger } from './src/infra/runtime';
import { temporalConnectConfig } from './src/infra/temporal-connection';
import { createWorkers, describeWorkflowWith, isService } from './src/infra/workers';
import { logger } from './src/logger';
import { carrierEventSignal } from './workflows/order-api';

export interface RunWorkersOptions {
  databaseUrl: string;
  services?: readonly Service[];
  taskQueuePrefix?: string;
  workflowBundlePath?: string;
  /** Connect, statement and lock timeouts of the pool (defaults: see createPool). */
  poolTimeouts?: PoolTimeouts;
  /** Called once every worker is created, just before they poll; `client` lives as long as they run. */
  onRunning?: (client: Client) => void;
}

/**
 * Migrations may run long and wait for another process's migration lock: their own connection,
 * with the statement and lock timeouts that bound activities turned off.
 */
async function migrateWithoutStatementLimits(databaseUrl: string, timeouts: PoolTimeouts = {}): Promise<void> {
  const pool = createPool(databaseUrl, 1, { ...timeouts, statementTimeoutMs: 0, lockTimeoutMs: 0 });
  try {
    await migrate(pool);
  } finally {
    await pool.end();
  }
}

/** Migrates the schema, then runs the workers until a shutdown signal. */
export async function runWorkers(opts: RunWorkersOptions): Promise<void> {
  installRuntimeLogger();
  const pool = createPool(opts.databaseUrl, undefined, opts.poolTimeouts);
  const { options, namespace, address } = temporalConnectConfig();
  try {
    // Before anything connects: a process without the codec keys must not start at all.
    const dataConverter = loadDataConverter();
    await migrateWithoutStatementLimits(opts.databaseUrl, opts.poolTimeouts);
    const connection = await NativeConnection.connect(options);
    // The sandbox carrier signals shipment workflows: that needs a client, on its own connection.
    const clientConnection = await Connection.connect(options).catch(async (err: unknown) => {
      await connection.close();
      throw err;
    });
    const client = new Client({ connection: clientConnection, namespace, dataConverter });
    try {
      const services = opts.services ?? SERVICES;
      const workers = await createWorkers(
        {
          connection,
          namespace,
          pool,
          dataConverter,
          taskQueuePrefix: opts.taskQueuePrefix,
          workflowBundle: opts.workflowBundlePath ? { codePath: opts.workflowBundlePath } : undefined,
          signalShipment: (workflowId, message) =>
            client.workflow.getHandle(workflowId).signal(carrierEventSignal, message),
          describeWorkflow: describeWorkflowWith(client),
        },
        services,
      );
      logger.info({ address, namespace, services, prefix: opts.taskQueuePrefix ?? '' }, 'workers polling');
      opts.onRunning?.(client);
      await Promise.all(workers.map((w) => w.run()));
    } finally {
      await clientConnection.close();
      await connection.close();
    }
  } finally {
    await pool.end();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { service: { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(
      `Usage: worker [--service ${SERVICES.join('|')}]...\nNeeds DATABASE_URL; Temporal from TEMPORAL_ADDRESS (default localhost:7233).`,
    );
    return;
  }
  const requested = values.service ?? [...SERVICES];
  const unknown = requested.filter((s) => !isService(s));
  if (unknown.length) {
    console.error(`--service: unknown service ${unknown.join(', ')}; expected one of ${SERVICES.join(', ')}`);
    process.exit(2);
  }
  const config = loadConfig();
  if (!config.DATABASE_URL) {
    console.error('DATABASE_URL is not set: the worker needs PostgreSQL (npm start provides an embedded one).');
    process.exit(2);
  }
  await runWorkers({
    databaseUrl: config.DATABASE_URL,
    services: requested as Service[],
    taskQueuePrefix: config.TASK_QUEUE_PREFIX,
    workflowBundlePath: config.WORKFLOW_BUNDLE_PATH,
    poolTimeouts: poolTimeouts(config),
  });
}

if (require.main === module) {
  main().catch((err) => {
    logger.error({ err }, 'worker failed');
    process.exit(1);
  });
}
