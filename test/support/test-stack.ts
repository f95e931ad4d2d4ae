import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { createSandboxPaymentProvider } from '../../src/providers/sandbox/payments';
import { migrate } from '../../src/db/migrate';
import { startSandboxPaymentsApi } from '../../src/providers/sandbox/payments-api';
import { startEmbeddedPostgres, throwAwayDatabase } from '../../tools/dev-stack/postgres';
import { freePort } from '../../tools/dev-stack/ports';
import { resolveTemporalCli } from '../../tools/dev-stack/temporal-cli';
import { startDevServer } from '../../tools/dev-stack/temporal-server';
import { createPool } from '../../src/db/pool';
import { projectRoot } from '../../src/runtime/paths';

export interface TestStack {
  temporalAddress: string;
  /** The sandbox payments API (card vault) that placing an order calls. */
  paymentsUrl: string;
  databaseUrl: string;
  workflowBundlePath: string;
  stop(): Promise<void>;
}

/** One headless dev server, one database and one workflow bundle for the whole test run. */
export async function startTestStack(log: (line: string) => void): Promise<TestStack> {
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((err) => log(`teardown: ${String(err)}`));
  };
  try {
    const cli = await resolveTemporalCli({ onProgress: log, allowDownload: false });
    if (cli.kind !== 'path') throw new Error('unreachable: download disabled');
    const server = await startDevServer({ cliPath: cli.path, port: await freePort(), namespace: 'default' });
    stops.push(() => server.stop());

    let databaseUrl: string;
    if (process.env.DATABASE_URL) {
      const db = await throwAwayDatabase(process.env.DATABASE_URL, `durable_orders_test_${process.pid}_${Date.now()}`);
      stops.push(() => db.drop());
      databaseUrl = db.url;
    } else {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'durable-orders-pg-'));
      chmodSync(dir, 0o755); // mkdtemp makes it 0700; as root, postgres runs as its own user and must reach it
      const db = await startEmbeddedPostgres({
        dataDir: path.join(dir, 'pg'),
        port: await freePort(),
        database: 'orders_test',
      });
      stops.push(async () => {
        await db.stop();
        rmSync(dir, { recursive: true, force: true });
      });
      databaseUrl = db.url;
    }
    const pool = createPool(databaseUrl, 2);
    await migrate(pool);
    stops.push(() => pool.end());
    const paymentsApi = await startSandboxPaymentsApi({ provider: createSandboxPaymentProvider(pool), port: 0 });
    stops.push(() => paymentsApi.stop());

    const outDir = path.join(projectRoot(), 'test-output');
    const workflowBundlePath = path.join(outDir, 'workflow-bundle.js');
    const { code } = await bundleWorkflowCode({
      workflowsPath: require.resolve('../../workflows'),
      logger: new DefaultLogger('WARN'),
    });
    mkdirSync(outDir, { recursive: true });
    writeFileSync(workflowBundlePath, code);
    return { temporalAddress: server.address, paymentsUrl: paymentsApi.url, databaseUrl, workflowBundlePath, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
