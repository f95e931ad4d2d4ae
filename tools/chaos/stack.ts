/**
 * The chaos runner's own stack, every part on 127.0.0.1 on free ports and every process recorded
 * by pid: a Temporal dev server on a SQLite file (a restart keeps history), an embedded
 * PostgreSQL in a child process, a TCP proxy in front of it (the workers' only way to the
 * database), and one worker process per service. Each part can be crashed or restarted alone.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { type ChildProcess } from 'node:child_process';
import { SERVICES, type Service } from '../../src/domain';
import { projectRoot } from '../../src/runtime/paths';
import { freePort } from '../dev-stack/ports';
import { resolveTemporalCli } from '../dev-stack/temporal-cli';
import { startDevServer } from '../dev-stack/temporal-server';
import { READY_PREFIX, type PostgresHostReady } from './postgres-host';
import { ProcessRegistry, waitForExit } from '../dev-stack/processes';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';

export interface StackOptions {
  /** Holds the SQLite file, the database files, the workflow bundle and one log per process. */
  runDir: string;
  taskQueuePrefix: string;
  workflowBundlePath: string;
  /** Extra worker environment: short durations (TRANSIT_TIME_MS, SANDBOX_PAYMENT_DELAY_MS...). */
  workerEnv: Record<string, string>;
  registry: ProcessRegistry;
  log: (line: string) => void;
}

const DIST = () => path.join(projectRoot(), 'dist');
const NAMESPACE = 'default';

export class ChaosStack {
  temporalPort = 0;
  pgPort = 0;
  proxy?: TcpProxy;
  private temporalPid?: number;
  private pg?: { hostPid: number; postmasterPid: number; url: string };
  private readonly workers = new Map<Service, ChildProcess>();
  /** Services whose worker the fault injector took down: not to be revived behind its back. */
  private readonly downOnPurpose = new Set<Service>();
  private cliPath?: string;
  private logSeq = 0;

  constructor(private readonly opts: StackOptions) {}

  get temporalAddress(): string {
    return `127.0.0.1:${this.temporalPort}`;
  }
  /** Straight to PostgreSQL: for the runner's seeding and checks, never through the proxy. */
  get directDatabaseUrl(): string {
    if (!this.pg) throw new Error('PostgreSQL is not running');
    return this.pg.url;
  }
  /** Through the proxy: what the workers use. */
  get proxiedDatabaseUrl(): string {
    if (!this.proxy) throw new Error('proxy not started');
    const url = new URL(this.directDatabaseUrl);
    url.port = String(this.proxy.port);
    return url.toString();
  }

  private logFile(name: string): number {
    return openSync(path.join(this.opts.runDir, `${String(++this.logSeq).padStart(3, '0')}-${name}.log`), 'a');
  }

  async start(): Promise<void> {
    const cli = await resolveTemporalCli({ allowBuild: false, allowDownload: false });
    if (cli.kind !== 'path') throw new Error('unreachable: download disabled');
    this.cliPath = cli.path;
    this.temporalPort = await freePort();
    this.pgPort = await freePort();
    await this.startTemporal();
    await this.startPostgres();
    this.proxy = await startTcpProxy({ targetPort: this.pgPort });
    for (const service of SERVICES) this.startWorker(service);
  }

  // --- Temporal -------------------------------------------------------------------------------

  async startTemporal(): Promise<void> {
    const fd = this.logFile('temporal');
    try {
      const server = await startDevServer({
        cliPath: this.cliPath!,
        port: this.temporalPort,
        namespace: NAMESPACE,
        dbFile: path.join(this.opts.runDir, 'temporal.sqlite'),
        onLog: (line) => {
          try {
            writeSync(fd, `${line}\n`);
          } catch {
            // the log is best effort
          }
        },
      });
      this.temporalPid = server.pid;
      this.opts.registry.record('temporal', server.pid);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  async stopTemporal(): Promise<void> {
    if (this.temporalPid === undefined) return;
    await this.opts.registry.stop(this.temporalPid, 15_000);
    this.temporalPid = undefined;
  }

  async restartTemporal(): Promise<void> {
    await this.stopTemporal();
    await this.startTemporal();
  }

  // --- PostgreSQL -----------------------------------------------------------------------------

  async startPostgres(): Promise<void> {
    const fd = this.logFile('postgres');
    const child = this.opts.registry.spawn(
      'postgres-host',
      process.execPath,
      [
        path.join(DIST(), 'tools/chaos/postgres-host.js'),
        '--data-dir',
        path.join(this.opts.runDir, 'pg'),
        '--port',
        String(this.pgPort),
        '--database',
        'orders',
      ],
      { stdio: ['pipe', 'pipe', fd], env: { ...process.env, LOG_LEVEL: 'warn' } },
    );
    closeSync(fd);
    const ready = await new Promise<PostgresHostReady>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('PostgreSQL did not start within 90 s')), 90_000);
      const lines = createInterface({ input: child.stdout! });
      lines.on('line', (line) => {
        if (!line.startsWith(READY_PREFIX)) return;
        clearTimeout(timer);
        resolve(JSON.parse(line.slice(READY_PREFIX.length)) as PostgresHostReady);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`PostgreSQL host exited with ${code} before it was ready (see ${this.opts.runDir})`));
      });
    }).catch(async (err: unknown) => {
      await this.opts.registry.stop(child.pid!);
      throw err;
    });
    this.opts.registry.record('postgres', ready.postmasterPid);
    this.pg = { hostPid: child.pid!, postmasterPid: ready.postmasterPid, url: ready.url };
  }

  async stopPostgres(): Promise<void> {
    if (!this.pg) return;
    const { hostPid, postmasterPid } = this.pg;
    // The host stops PostgreSQL (fast shutdown) and exits; the postmaster is then waited for by id.
    await this.opts.registry.stop(hostPid, 30_000);
    if (!(await waitForExit(postmasterPid, 15_000))) await this.opts.registry.kill(postmasterPid);
    else await this.opts.registry.stop(postmasterPid); // marks it ended
    this.pg = { ...this.pg, hostPid: -1, postmasterPid: -1 };
  }

  async restartPostgres(): Promise<void> {
    await this.stopPostgres();
    await this.startPostgres();
  }

  // --- workers --------------------------------------------------------------------------------

  startWorker(service: Service): void {
    this.downOnPurpose.delete(service);
    if (this.workerPid(service) !== undefined) return; // one worker per service
    const fd = this.logFile(`worker-${service}`);
    const child = this.opts.registry.spawn(
      `worker:${service}`,
      process.execPath,
      [path.join(DIST(), 'worker.js'), '--service', service],
      {
        stdio: ['ignore', fd, fd],
        env: {
          ...process.env,
          ...this.opts.workerEnv,
          TEMPORAL_ADDRESS: this.temporalAddress,
          TEMPORAL_NAMESPACE: NAMESPACE,
          DATABASE_URL: this.proxiedDatabaseUrl,
          TASK_QUEUE_PREFIX: this.opts.taskQueuePrefix,
          WORKFLOW_BUNDLE_PATH: this.opts.workflowBundlePath,
        },
      },
    );
    closeSync(fd);
    this.workers.set(service, child);
  }

  workerPid(service: Service): number | undefined {
    const child = this.workers.get(service);
    return child && child.exitCode === null && child.signalCode === null ? child.pid : undefined;
  }

  /** SIGKILL: the worker gets no chance to finish anything. */
  async killWorker(service: Service): Promise<void> {
    this.downOnPurpose.add(service);
    const pid = this.workerPid(service);
    if (pid !== undefined) await this.opts.registry.kill(pid);
  }

  /**
   * Workers that exited by themselves (a crash) are started again, as a supervisor would; not
   * while the server is down, since a worker that cannot reach it at start exits at once.
   */
  reviveWorkers(): Service[] {
    if (this.temporalPid === undefined) return [];
    const revived = SERVICES.filter((s) => !this.downOnPurpose.has(s) && this.workerPid(s) === undefined);
    for (const s of revived) this.startWorker(s);
    return revived;
  }

  // --- all ------------------------------------------------------------------------------------

  /** Workers first (they drain), then the proxy, the database and the server. Never throws. */
  async stop(): Promise<void> {
    const step = async (what: string, fn: () => Promise<void>) =>
      fn().catch((err: unknown) => this.opts.log(`stopping ${what}: ${String(err)}`));
    await Promise.all(
      SERVICES.map((s) =>
        step(`worker ${s}`, async () => {
          const pid = this.workerPid(s);
          if (pid !== undefined) await this.opts.registry.stop(pid, 15_000);
        }),
      ),
    );
    await step('proxy', async () => this.proxy?.close());
    await step('postgres', () => this.stopPostgres());
    await step('temporal', () => this.stopTemporal());
    await this.opts.registry.killAll();
  }
}
