/**
 * What the bench runs against: a Temporal server (the one at --address, or a dev server it starts
 * on a SQLite file in the run's folder, as `npm start` does), a database (database.ts) and one or
 * more worker processes, each running every service, as `npm start` runs them: the project's
 * dist/worker.js, with the SQL statement counter preloaded. The workers poll task queues of the
 * run's own prefix, so the workers of a running stack never take the bench's tasks (and the bench
 * can measure its workers' CPU and memory). Every process it starts is recorded and stopped by pid.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, createWriteStream, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import type { ProcessRegistry } from '../dev-stack/processes';
import { SERVICES, stackCheckWorkflowId, taskQueueFor } from '../../src/domain';
import type { stackCheckWorkflow } from '../../workflows/stack-check';
import { parseKeyring } from '../../src/runtime/codec-keys';
import type { runDecisionKeys } from '../../src/runtime/decision-keys';
import { decisionSigningInterceptor } from '../../src/runtime/decision-signer';
import { dataConverterFor } from '../../src/runtime/data-converter';
import { projectRoot } from '../../src/runtime/paths';
import { freePort } from '../dev-stack/ports';
import { resolveTemporalCli } from '../dev-stack/temporal-cli';
import { temporalConnectConfig } from '../../src/runtime/temporal-connection';
import { startDevServer } from '../dev-stack/temporal-server';
import { benchDatabase, embeddedDatabase, type BenchDatabase } from './database';
import { SQL_COUNT_MESSAGE, type SqlCounts } from './sql-counter';

export interface BenchStackOptions {
  runDir: string;
  /** A running server (`host:port`); otherwise a dev server is started. */
  address?: string;
  /** A PostgreSQL server for a throw-away database; otherwise an embedded one is started. */
  databaseUrl?: string;
  taskQueuePrefix: string;
  workflowBundlePath: string;
  codecKeys: string;
  /** The run's decision keys: the driver signs (bench approvals), the worker verifies. */
  decisionKeys: ReturnType<typeof runDecisionKeys>;
  /** The worker's extra environment (policy, transit time, log level). */
  workerEnv: Record<string, string>;
  registry: ProcessRegistry;
}

export interface TemporalSide {
  address: string;
  namespace: string;
  /** Set when the bench started the server: its pid (for CPU) and its command line (its settings). */
  pid?: number;
  args?: string[];
  cliPath?: string;
}

export class BenchStack {
  temporal?: TemporalSide;
  database?: BenchDatabase;
  client?: Client;
  private connection?: Connection;
  private workers: ChildProcess[] = [];
  private stopServer?: () => Promise<void>;
  private askSeq = 0;

  constructor(private readonly opts: BenchStackOptions) {}

  get ordersQueue(): string {
    return taskQueueFor('orders', this.opts.taskQueuePrefix);
  }

  /** The pids of the worker processes still running. */
  get workerPids(): number[] {
    return this.workers.flatMap((w) => (w.exitCode === null && w.signalCode === null && w.pid ? [w.pid] : []));
  }

  /** Server, database and client; the worker comes after the schema and the catalog (startWorker). */
  async start(): Promise<void> {
    this.temporal = this.opts.address ? this.given(this.opts.address) : await this.startServer();
    this.database = this.opts.databaseUrl
      ? await benchDatabase(this.opts.databaseUrl)
      : await embeddedDatabase(this.opts.registry, this.opts.runDir);
    const options = this.opts.address
      ? temporalConnectConfig().options // the envconfig conventions: TLS, API key, profile
      : { address: this.temporal.address };
    this.connection = await Connection.connect(options);
    this.client = new Client({
      connection: this.connection,
      namespace: this.temporal.namespace,
      dataConverter: dataConverterFor(parseKeyring(this.opts.codecKeys, 'bench run key')),
      interceptors: { workflow: [decisionSigningInterceptor(() => this.opts.decisionKeys.signing)] },
    });
  }

  private given(address: string): TemporalSide {
    process.env.TEMPORAL_ADDRESS = address; // read by temporalConnectConfig and inherited by the worker
    return { address, namespace: temporalConnectConfig().namespace };
  }

  private async startServer(): Promise<TemporalSide> {
    const cli = await resolveTemporalCli({ allowBuild: false, allowDownload: false });
    if (cli.kind !== 'path') throw new Error('unreachable: download disabled');
    // A stream, not a raw fd: the server logs for as long as it runs, and a descriptor closed
    // early would be reused by some socket (a PostgreSQL connection) that then gets its lines.
    const logStream = createWriteStream(path.join(this.opts.runDir, 'temporal.log'), { flags: 'a' });
    logStream.on('error', () => undefined); // the log is best effort
    try {
      const server = await startDevServer({
        cliPath: cli.path,
        port: await freePort(),
        namespace: 'default',
        dbFile: path.join(this.opts.runDir, 'temporal.sqlite'),
        onLog: (line) => {
          if (!logStream.writableEnded) logStream.write(`${line}\n`);
        },
      });
      this.opts.registry.record('temporal', server.pid);
      this.stopServer = async () => {
        await this.opts.registry.stop(server.pid, 15_000);
        logStream.end();
      };
      return {
        address: server.address,
        namespace: 'default',
        pid: server.pid,
        args: commandLine(server.pid),
        cliPath: cli.path,
      };
    } catch (err) {
      logStream.end();
      throw err;
    }
  }

  /**
   * `count` worker processes, each running every service, then waits until every service's queue
   * has a poller of each (one stack check proves only that some worker answers).
   */
  async startWorkers(count: number): Promise<void> {
    const dist = path.join(projectRoot(), 'dist');
    const exits: Promise<never>[] = [];
    for (let i = 0; i < count; i++) {
      const logName = count === 1 ? 'worker.log' : `worker-${i + 1}.log`;
      const fd = openSync(path.join(this.opts.runDir, logName), 'a');
      const child = this.opts.registry.spawn(
        count === 1 ? 'worker' : `worker-${i + 1}`,
        process.execPath,
        ['--require', path.join(dist, 'tools/bench/sql-counter-preload.js'), path.join(dist, 'worker.js')],
        {
          stdio: ['ignore', fd, fd, 'ipc'],
          env: {
            ...process.env,
            ...this.opts.workerEnv,
            ...(await metricsPorts(i)),
            TEMPORAL_ADDRESS: this.temporal!.address,
            TEMPORAL_NAMESPACE: this.temporal!.namespace,
            DATABASE_URL: this.database!.url,
            TASK_QUEUE_PREFIX: this.opts.taskQueuePrefix,
            WORKFLOW_BUNDLE_PATH: this.opts.workflowBundlePath,
            PAYLOAD_CODEC_KEYS: this.opts.codecKeys,
            DECISION_PUBLIC_KEYS: this.opts.decisionKeys.publicKeys,
          },
        },
      );
      closeSync(fd);
      this.workers.push(child);
      const exited = new Promise<never>((_, reject) =>
        child.once('exit', (code, signal) =>
          reject(
            new Error(`a worker exited (${signal ?? code}) before it answered; see ${this.opts.runDir}/${logName}`),
          ),
        ),
      );
      exited.catch(() => undefined); // only raced below; an exit later is the caller's to notice
      exits.push(exited);
    }
    // The stack check runs one activity on every service's queue: every service's worker polls.
    await Promise.race([
      this.client!.workflow.execute<typeof stackCheckWorkflow>('stackCheckWorkflow', {
        taskQueue: this.ordersQueue,
        workflowId: stackCheckWorkflowId(`bench-${randomUUID()}`),
        args: [`bench-${randomUUID()}`],
        workflowExecutionTimeout: '2m',
      }),
      ...exits,
    ]);
    if (count > 1) await Promise.race([this.everyWorkerPolls(), ...exits]);
  }

  /** Until every service's queue lists a poller of each worker process (SDK identity `<pid>@<host>`). */
  private async everyWorkerPolls(timeoutMs = 60_000): Promise<void> {
    const service = this.client!.connection.workflowService;
    const deadline = Date.now() + timeoutMs;
    const types = [
      proto.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      proto.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    ];
    for (;;) {
      const missing: string[] = [];
      for (const s of SERVICES) {
        const name = taskQueueFor(s, this.opts.taskQueuePrefix);
        const identities = new Set<string>();
        for (const taskQueueType of types) {
          const r = await service.describeTaskQueue({
            namespace: this.temporal!.namespace,
            taskQueue: { name },
            taskQueueType,
          });
          for (const p of r.pollers ?? []) if (p.identity) identities.add(p.identity.split('@')[0]!);
        }
        const absent = this.workerPids.filter((pid) => !identities.has(String(pid)));
        if (absent.length) missing.push(`${name}: ${absent.join(', ')}`);
      }
      if (missing.length === 0) return;
      if (Date.now() > deadline)
        throw new Error(
          `not every worker process polls every queue after ${timeoutMs / 1000} s (${missing.join('; ')})`,
        );
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /** The worker processes' SQL statement totals so far, summed; undefined if any does not answer. */
  async workerSqlCounts(timeoutMs = 5_000): Promise<SqlCounts | undefined> {
    if (this.workers.length === 0) return undefined;
    const each = await Promise.all(this.workers.map((w) => this.askSqlCounts(w, timeoutMs)));
    if (each.some((c) => c === undefined)) return undefined;
    return (each as SqlCounts[]).reduce((a, b) => ({
      statements: a.statements + b.statements,
      transactions: a.transactions + b.transactions,
    }));
  }

  /** One worker process's totals (sql-counter-preload.ts answers over IPC). */
  private askSqlCounts(worker: ChildProcess, timeoutMs: number): Promise<SqlCounts | undefined> {
    if (!worker.connected) return Promise.resolve(undefined);
    const id = ++this.askSeq;
    return new Promise((resolve) => {
      const onMessage = (m: { type?: string; id?: number } & Partial<SqlCounts>) => {
        if (m?.type !== SQL_COUNT_MESSAGE || m.id !== id) return;
        done({ statements: m.statements ?? 0, transactions: m.transactions ?? 0 });
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      const done = (counts: SqlCounts | undefined) => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        resolve(counts);
      };
      worker.on('message', onMessage);
      worker.send({ type: SQL_COUNT_MESSAGE, id });
    });
  }

  /** Workers (they drain, together), client, database, server. Never throws; the registry kills what is left. */
  async stop(log: (line: string) => void): Promise<void> {
    const step = async (what: string, fn: () => Promise<void>) =>
      fn().catch((err: unknown) => log(`stopping ${what}: ${String(err)}`));
    await Promise.all(this.workerPids.map((pid) => step(`worker ${pid}`, () => this.opts.registry.stop(pid, 20_000))));
    await step('client', async () => this.connection?.close());
    await step('database', async () => this.database?.stop());
    await step('temporal', async () => this.stopServer?.());
    await this.opts.registry.killAll();
  }
}

/**
 * The Prometheus ports of worker `index` (0-based). The worker binds METRICS_PORT and
 * SDK_METRICS_PORT only when set (neither is by default); when the bench's environment sets them,
 * the first worker keeps them and each other worker gets free ports of its own, so two never clash.
 */
async function metricsPorts(index: number): Promise<Record<string, string>> {
  if (index === 0) return {};
  const out: Record<string, string> = {};
  for (const key of ['METRICS_PORT', 'SDK_METRICS_PORT']) if (process.env[key]) out[key] = String(await freePort());
  return out;
}

/** A process's arguments (after the program), from /proc; undefined elsewhere. */
function commandLine(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).slice(1);
  } catch {
    return undefined;
  }
}
