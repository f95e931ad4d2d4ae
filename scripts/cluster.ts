/**
 * `npm run cluster`: the production topology in the foreground — the full Temporal server on
 * PostgreSQL (built once into the user cache), the sandbox payment provider as its own process,
 * one worker process per service and two on payments, plus the events process with AMQP_URL.
 * PostgreSQL is DATABASE_URL's server, or the embedded one `npm start` uses. Ctrl-C stops all of it.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { startCluster, type RunningCluster } from '../tools/cluster/cluster';
import { portsFrom } from '../tools/cluster/server-config';
import { loadConfig, scheduleSettings } from '../src/config';
import { defaultKeyFile, ensureKeyFile } from '../src/runtime/codec-keys';
import { defaultSigningKeyFile, ensureSigningKeyFile } from '../src/runtime/decision-keys';
import { loadDataConverter } from '../src/runtime/data-converter';
import { isPortFree } from '../tools/dev-stack/ports';
import { startEmbeddedPostgres, type Database } from '../tools/dev-stack/postgres';
import { ProcessRegistry } from '../tools/dev-stack/processes';
import { applySchedules } from '../src/runtime/schedules';
import { firstRunAdmin } from '../src/api/staff';
import { createPool } from '../src/db/pool';

const say = (line: string) => process.stdout.write(`${line}\n`);

function usageError(message: string): never {
  console.error(`${message}\nUsage: npm run cluster -- [--payments-workers N]`);
  process.exit(2);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'payments-workers': { type: 'string', default: '2' } } });
  const paymentsWorkers = Number(values['payments-workers']);
  if (!Number.isInteger(paymentsWorkers) || paymentsWorkers < 1 || paymentsWorkers > 8)
    usageError(`--payments-workers: expected a whole number from 1 to 8, got "${values['payments-workers']}"`);
  const config = loadConfig();
  const dataDir = path.resolve(config.DATA_DIR);
  const ports = portsFrom(config.TEMPORAL_PORT);
  for (const [what, port] of [
    ...Object.entries(ports),
    ['payments API', config.PAYMENTS_API_PORT] as const,
    ['carrier API', config.CARRIER_API_PORT] as const,
    ['Orders API', config.ORDERS_API_PORT] as const,
  ])
    if (!(await isPortFree(Number(port))))
      throw new Error(
        `Port ${port} (${what}) is in use: stop what uses it, or set TEMPORAL_PORT / PAYMENTS_API_PORT / CARRIER_API_PORT / ORDERS_API_PORT.`,
      );
  if (!config.PAYLOAD_CODEC_KEYS && !config.PAYLOAD_CODEC_KEY_FILE && ensureKeyFile(defaultKeyFile(config)))
    say(`Created a payload encryption key in ${defaultKeyFile(config)}.`);
  // The Orders API signs decisions with it; the workers verify with its public half (one machine).
  if (!config.DECISION_SIGNING_KEY && !config.DECISION_SIGNING_KEY_FILE)
    ensureSigningKeyFile(defaultSigningKeyFile(config));

  const registry = new ProcessRegistry();
  let db: Database | undefined;
  const running: { cluster?: RunningCluster } = {};
  let stopping = false;
  const stopAll = async () => {
    if (stopping) return;
    stopping = true;
    say('\nStopping the workers, the providers and the server...');
    await running.cluster?.stop();
    await registry.killAll();
    await db?.stop();
  };
  process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));
  process.on('SIGTERM', () => void stopAll().then(() => process.exit(143)));

  if (config.DATABASE_URL) db = { url: config.DATABASE_URL, kind: 'given', stop: async () => undefined };
  else {
    say(`Starting embedded PostgreSQL on port ${config.PG_PORT} (data in ${path.join(dataDir, 'pg')})...`);
    db = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'pg'), port: config.PG_PORT, database: 'orders' });
  }
  const serverUrl = new URL(db.url);
  serverUrl.pathname = '/postgres';
  const cluster = await startCluster({
    temporalServerUrl: serverUrl.toString(),
    temporalDatabasePrefix: 'temporal_cluster',
    appDatabaseUrl: db.url,
    ports,
    namespace: config.TEMPORAL_NAMESPACE,
    paymentsApiPort: config.PAYMENTS_API_PORT,
    carrierApiPort: config.CARRIER_API_PORT,
    ordersApiPort: config.ORDERS_API_PORT,
    paymentsWorkers,
    runDir: path.join(dataDir, 'cluster'),
    registry,
    amqpUrl: config.AMQP_URL,
    onProgress: say,
  });
  running.cluster = cluster;

  const connection = await Connection.connect({ address: cluster.server.address });
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter: loadDataConverter() });
  const schedules = await applySchedules(client, scheduleSettings(config)).catch((err: Error) => {
    say(`  (schedules not applied: ${err.message}; \`orders schedules apply\` retries)`);
    return [];
  });
  await connection.close();
  // As npm start does: a first run's way in for people, its password shown this once.
  const pool = createPool(db.url, 1);
  const adminPassword = await firstRunAdmin(pool)
    .catch((err: Error) => say(`  (no first admin: ${err.message}; \`orders users add\` can)`))
    .finally(() => pool.end());
  say('');
  say(`  Temporal   ${cluster.server.address}  (temporal-server on PostgreSQL, 4 history shards)`);
  say(`  Metrics    ${cluster.server.metricsUrl}  (the server's own)`);
  say(`  Payments   ${cluster.paymentsUrl}  (sandbox provider, its own process)`);
  say(`  Carrier    http://127.0.0.1:${config.CARRIER_API_PORT}  (sandbox carrier's booking API, its own process)`);
  say(`  Orders API http://127.0.0.1:${config.ORDERS_API_PORT}/v1  (console: /console; its own process)`);
  for (const p of cluster.processes)
    say(`  Process    ${p.name.padEnd(20)} pid ${String(p.pid).padEnd(8)} log ${p.log}`);
  for (const s of schedules) say(`  Schedule   ${s.id}: ${s.what}`);
  say('');
  if (adminPassword) say(`  Staff      first run: user "admin", password ${adminPassword} (shown once)`);
  say('  Try:  npx orders login --user admin     (orders are placed through the Orders API, as you)');
  say(`        TEMPORAL_ADDRESS=${cluster.server.address} npx orders place --file examples/order.json --wait`);
  say('  The full server has no Web UI of its own: `npm start` runs the dev server with one. Ctrl-C stops all.');
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
