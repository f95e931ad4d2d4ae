/**
 * One bench run: a stack (stack.ts), the schema and the bench's catalog, a few warm-up orders,
 * then one timed phase per row: each order shape, the floor with activities and with local
 * activities, and the in-process baseline. Every process it started is stopped by pid at the
 * end, also on failure and on interrupt.
 */
import type { Client } from '@temporalio/client';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Pool } from 'pg';
import { createSandboxPaymentProvider } from '../../src/providers/sandbox/payments';
import { ProcessRegistry } from '../dev-stack/processes';
import { migrate } from '../../src/db/migrate';
import { providerVault } from '../../src/placement/payment-methods';
import { createPool } from '../../src/db/pool';
import { workflowBundleFile } from '../../src/runtime/workflow-bundle';
import type { OrderSettings } from '../../src/domain';
import { newKeyEntry } from '../../src/runtime/codec-keys';
import { runDecisionKeys } from '../../src/runtime/decision-keys';
import { projectRoot } from '../../src/runtime/paths';
import { floorTask, orderTask, runPool, type Sample, type Task } from './drive';
import { costGrowth } from './growth';
import { historyCounts, meanCounts, type HistoryCounts } from './history';
import { inProcessTask } from './in-process';
import { describeMachine, loadNow } from './machine';
import { latencyOf, measure, throughputOf, type Probes } from './metrics';
import { phaseProgress } from './progress';
import { floorCalls, type BenchReport, type BenchRow, type RowKind } from './report';
import { BENCH_APPROVAL_THRESHOLD_CENTS, BENCH_APPROVER, SHAPE_DESCRIPTIONS, type Shape } from './shapes';
import { seedBenchCatalog } from './shapes';
import { installSqlCounter, type SqlCounts } from './sql-counter';
import { BenchStack } from './stack';

export interface BenchOptions {
  orders: number;
  concurrency: number;
  shapes: Shape[];
  transitMs: number;
  /** Worker processes, each running every service (default 1). */
  workers?: number;
  /** Untimed orders of the first shape before the first phase (the worker's first tasks are slow). */
  warmup: number;
  /** A running Temporal server; otherwise the bench starts a dev server. */
  address?: string;
  /** A PostgreSQL server for a throw-away database; otherwise an embedded one. */
  databaseUrl?: string;
  label?: string;
  /** One order (or floor workflow) may take this long; past that it is reported as timed out. */
  taskTimeoutMs?: number;
  /** Show progress bars (on a terminal). */
  progress: boolean;
  keepRunDir?: boolean;
  signal?: AbortSignal;
  log: (line: string) => void;
}

/** What the workers of npm start run with, except what the bench must pin down. */
const PAYMENT_WINDOW_MS = 15 * 60_000;
/** Pool size of the in-process baseline and the vault: what createPool gives each worker process. */
const POOL_SIZE = 10;
/** Histories are read after each phase, a few at a time. */
const HISTORY_CONCURRENCY = 4;

/** The run's options as its report records them. */
function reportOptions(opts: BenchOptions): BenchReport['options'] {
  return {
    orders: opts.orders,
    concurrency: opts.concurrency,
    shapes: opts.shapes,
    transitMs: opts.transitMs,
    workers: opts.workers ?? 1,
    warmup: opts.warmup,
    ...(opts.address ? { address: opts.address } : {}),
  };
}

function gitCommit(): BenchReport['commit'] {
  try {
    const opts = { cwd: projectRoot(), encoding: 'utf8' as const, stdio: ['ignore', 'pipe', 'ignore'] as const };
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { ...opts, stdio: [...opts.stdio] }).trim();
    const dirty =
      execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
        ...opts,
        stdio: [...opts.stdio],
      }).trim() !== '';
    return { sha, dirty };
  } catch {
    return undefined;
  }
}

/** The dev server's flags that matter for speed; paths of the run folder shortened, ports and search attributes left out. */
function serverFlags(args: string[] | undefined, runDir: string): string[] | undefined {
  if (!args) return undefined;
  const skip = new Set([
    '--ip',
    '--port',
    '--namespace',
    '--search-attribute',
    '--log-format',
    '--ui-port',
    '--ui-codec-endpoint',
  ]);
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (['server', 'start-dev'].includes(a)) continue;
    const value = args[i + 1];
    const takesValue = value !== undefined && !value.startsWith('--');
    if (skip.has(a)) {
      if (takesValue) i++;
      continue;
    }
    out.push(takesValue ? `${a} ${value.replace(runDir, '<run dir>')}` : a);
    if (takesValue) i++;
  }
  return out;
}

const addCounts = (a: SqlCounts | undefined, b: SqlCounts): SqlCounts | undefined =>
  a && { statements: a.statements + b.statements, transactions: a.transactions + b.transactions };

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

function count(samples: readonly Sample[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) out[s.status] = (out[s.status] ?? 0) + 1;
  return out;
}

/** What the report says of the run: when, on which commit, with which options, stack and machine. */
async function describeRun(
  opts: BenchOptions,
  stack: BenchStack,
  run: { started: number; runDir: string; taskQueuePrefix: string; pool: Pool },
): Promise<Omit<BenchReport, 'rows' | 'ok' | 'problems' | 'durationMs' | 'processes'>> {
  const temporal = stack.temporal!;
  const commit = gitCommit();
  const systemInfo = await stack.client!.connection.workflowService.getSystemInfo({}).catch(() => undefined);
  return {
    schema: 1,
    ...(opts.label ? { label: opts.label } : {}),
    startedAt: new Date(run.started).toISOString(),
    ...(commit ? { commit } : {}),
    options: reportOptions(opts),
    stack: {
      temporal: temporal.pid
        ? 'dev server started by the bench (`temporal server start-dev`, SQLite file in the run folder, as `npm start` runs it)'
        : `the running server at ${temporal.address}`,
      ...(systemInfo?.serverVersion ? { temporalServerVersion: systemInfo.serverVersion } : {}),
      ...(temporal.args ? { serverFlags: serverFlags(temporal.args, run.runDir) } : {}),
      database: stack.database!.kind,
      worker: workersDescription(opts.workers ?? 1),
      taskQueuePrefix: run.taskQueuePrefix,
    },
    machine: await describeMachine({ cliPath: temporal.cliPath, pool: run.pool }),
  };
}

function workersDescription(n: number): string {
  return n === 1
    ? 'one process running every service (`node dist/worker.js`, as `npm start` runs them)'
    : `${n} processes, each running every service (\`node dist/worker.js\`, as \`npm start\` runs them)`;
}

type PhaseArgs = [
  name: string,
  kind: RowKind,
  description: string,
  expected: string,
  task: Task,
  probes: Probes,
  shape?: Shape,
];

interface PhaseContext {
  opts: BenchOptions;
  client: Client;
  rows: BenchRow[];
  problems: string[];
  log: (line: string) => void;
}

/** One timed phase: its samples, what it cost, and (after the clock stopped) its histories. */
async function runPhase(
  { opts, client, rows, problems, log }: PhaseContext,
  ...[name, kind, description, expected, task, probes, shape]: PhaseArgs
): Promise<BenchRow | undefined> {
  if (opts.signal?.aborted) return undefined;
  const progress = phaseProgress(name, opts.orders, opts.progress);
  const { result: samples, resources } = await measure(probes, () =>
    runPool(opts.orders, opts.concurrency, task, (s) => progress.add(s), opts.signal),
  ).finally(() => progress.stop());
  const completed = samples.filter((s) => s.status === expected);
  const row: BenchRow = {
    name,
    kind,
    ...(shape ? { shape } : {}),
    description,
    count: samples.length,
    completed: completed.length,
    statuses: count(samples),
    errors: [...new Set(samples.flatMap((s) => (s.error ? [s.error] : [])))].slice(0, 5),
    perSecond: throughputOf(samples),
    latencyMs: latencyOf(samples),
    perOrder: {},
    resources,
  };
  const n = Math.max(1, samples.length);
  if (resources.sql)
    Object.assign(row.perOrder, {
      sqlStatements: Math.round((resources.sql.statements / n) * 10) / 10,
      sqlTransactions: Math.round((resources.sql.transactions / n) * 10) / 10,
    });
  if (resources.cpuSeconds !== undefined) row.perOrder.cpuMs = (resources.cpuSeconds * 1000) / n;
  if (resources.serverCpuSeconds !== undefined) row.perOrder.serverCpuMs = (resources.serverCpuSeconds * 1000) / n;
  if (resources.pgCpuSeconds !== undefined) row.perOrder.pgCpuMs = (resources.pgCpuSeconds * 1000) / n;
  if (resources.machineCpuSeconds !== undefined) row.perOrder.machineCpuMs = (resources.machineCpuSeconds * 1000) / n;
  if (kind !== 'in-process') {
    const counts = await mapLimited(completed, HISTORY_CONCURRENCY, (s) => historyCounts(client, s.workflowId));
    const mean: HistoryCounts | undefined = meanCounts(counts);
    if (mean)
      Object.assign(row.perOrder, {
        historyEvents: mean.events,
        ownEvents: mean.ownEvents,
        workflowTasks: mean.workflowTasks,
        activities: mean.activities,
        localActivities: mean.localActivities,
        children: mean.children,
      });
  }
  if (row.completed < opts.orders && !opts.signal?.aborted)
    problems.push(
      `${name}: ${row.completed} of ${opts.orders} reached ${expected} (${JSON.stringify(row.statuses)}${row.errors.length ? `; ${row.errors.join('; ')}` : ''})`,
    );
  log(
    `${name}: ${row.perSecond.toFixed(2)}/s, p50 ${(row.latencyMs.p50 / 1000).toFixed(2)} s, ` +
      `${row.completed}/${row.count} ${expected}`,
  );
  rows.push(row);
  return row;
}

export async function runBench(opts: BenchOptions): Promise<BenchReport> {
  const started = Date.now();
  const log = (line: string) => opts.log(`bench ${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s: ${line}`);
  const loadAtStart = loadNow();
  const runDir = mkdtempSync(path.join(os.tmpdir(), 'durable-orders-bench-'));
  chmodSync(runDir, 0o755); // as root, the embedded PostgreSQL runs as its own user and must reach its data
  const registry = new ProcessRegistry();
  const tag = `b${started.toString(36)}`;
  const taskQueuePrefix = `bench-${tag}-`;
  const codecKeys = process.env.PAYLOAD_CODEC_KEYS ?? newKeyEntry();
  const benchSql = installSqlCounter();
  const workerEnv = {
    LOG_LEVEL: 'warn',
    TRANSIT_TIME_MS: String(opts.transitMs),
    SANDBOX_CARRIER: 'on',
    APPROVERS: BENCH_APPROVER,
    APPROVAL_THRESHOLD_CENTS: String(BENCH_APPROVAL_THRESHOLD_CENTS),
  };
  const taskTimeoutMs = opts.taskTimeoutMs ?? 5 * 60_000;
  let stack: BenchStack | undefined;
  const rows: BenchRow[] = [];
  const problems: string[] = [];
  let report: Omit<BenchReport, 'rows' | 'ok' | 'problems' | 'durationMs' | 'processes'> | undefined;
  let pool: Pool | undefined;
  try {
    log(`starting its stack in ${runDir}`);
    stack = new BenchStack({
      runDir,
      address: opts.address,
      databaseUrl: opts.databaseUrl,
      taskQueuePrefix,
      workflowBundlePath: await workflowBundleFile(runDir),
      codecKeys,
      decisionKeys: runDecisionKeys(process.env.DECISION_SIGNING_KEY),
      workerEnv,
      registry,
    });
    await stack.start();
    const temporal = stack.temporal!;
    const database = stack.database!;
    {
      // Migrations may wait on the workers' lock: no statement limits (as the worker migrates).
      const migrationPool = createPool(database.url, 1, { statementTimeoutMs: 0, lockTimeoutMs: 0 });
      try {
        await migrate(migrationPool);
      } finally {
        await migrationPool.end();
      }
    }
    pool = createPool(database.url, POOL_SIZE);
    await seedBenchCatalog(pool);
    await stack.startWorkers(opts.workers ?? 1);
    const client = stack.client!;
    report = await describeRun(opts, stack, { started, runDir, taskQueuePrefix, pool });
    report.machine.loadAverage = { atStart: loadAtStart };
    log(
      `bench: stack up in ${((Date.now() - started) / 1000).toFixed(1)} s (temporal ${temporal.address}, ${database.kind})`,
    );

    const bound = { timeoutMs: taskTimeoutMs, signal: opts.signal };
    const provider = createSandboxPaymentProvider(pool);
    // The carrier's transit and the payment window are the workers' (workerEnv): a placer names neither.
    const settings: OrderSettings = {};
    const orderContext = (idPrefix: string) => ({
      client,
      vault: providerVault(provider),
      settings,
      taskQueuePrefix,
      idPrefix,
      bound,
    });
    const theStack = stack;
    const workerProbes: Probes = {
      pids: stack.workerPids,
      serverPid: temporal.pid,
      serverByName: temporal.pid === undefined, // a running server: its processes on this machine, if any
      sqlCounts: async () => addCounts(await theStack.workerSqlCounts(), benchSql()),
    };

    const phase = (...args: PhaseArgs) => runPhase({ opts, client, rows, problems, log }, ...args);

    if (opts.warmup > 0 && opts.shapes[0]) {
      log(`warming up with ${opts.warmup} ${opts.shapes[0]} orders`);
      await runPool(
        opts.warmup,
        opts.warmup,
        orderTask(orderContext(`${tag}-warmup`), opts.shapes[0]),
        () => undefined,
        opts.signal,
      );
    }

    for (const shape of opts.shapes)
      await phase(
        shape,
        'order',
        SHAPE_DESCRIPTIONS[shape],
        'Delivered',
        orderTask(orderContext(`${tag}-${shape}`), shape),
        workerProbes,
        shape,
      );

    const first = rows.find((r) => r.kind === 'order' && r.perOrder.activities !== undefined);
    if (first?.shape && !opts.signal?.aborted) {
      const k = Math.round(first.perOrder.activities!);
      const l = Math.round(first.perOrder.localActivities ?? 0);
      report.floor = { activities: k, localActivities: l, from: first.shape };
      for (const local of [false, true]) {
        const calls = local ? `${k + l} local activities` : floorCalls(k, l);
        await phase(
          `floor: ${calls}`,
          local ? 'floor-local' : 'floor',
          `a bare workflow calling ${calls} (one INSERT each) in sequence`,
          'Completed',
          floorTask({
            client,
            taskQueue: stack.ordersQueue,
            idPrefix: `bench-floor-${tag}-${local ? 'la' : 'a'}`,
            activities: local ? k + l : k,
            localActivities: l,
            local,
            bound,
          }),
          workerProbes,
        );
      }
    } else if (!opts.signal?.aborted) problems.push('no order history was read: the floor was not run');

    // The order's logic without Temporal, for a shape it can run alone (approval needs an approver).
    const inProcessShape = opts.shapes.find((shape) => shape !== 'approval') ?? 'one-line';
    const inProcess = inProcessTask(
      pool,
      { transitMs: opts.transitMs, paymentWindowMs: PAYMENT_WINDOW_MS, env: workerEnv },
      inProcessShape,
      `${tag}-inproc`,
    );
    const row = await phase(
      'in-process (no Temporal)',
      'in-process',
      `${inProcessShape} orders: the same activity functions called in the order's sequence, no Temporal`,
      'Delivered',
      inProcess.task,
      { sqlCounts: workerProbes.sqlCounts }, // CPU and RSS: this process's own
      inProcessShape,
    );
    const calls = inProcess.calls();
    if (row && calls !== undefined) row.perOrder.calls = calls;
  } catch (err) {
    problems.push(`runner error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  } finally {
    await pool?.end().catch(() => undefined);
    await stack?.stop(log);
    await registry.killAll();
  }
  if (report?.machine.loadAverage) report.machine.loadAverage.atEnd = loadNow();
  const left = registry.alive();
  if (left.length) problems.push(`processes left running: ${left.map((p) => `${p.name} ${p.pid}`).join(', ')}`);
  if (opts.signal?.aborted) problems.push('interrupted');
  const ok =
    problems.length === 0 && rows.length > 0 && rows.every((r) => r.completed === r.count && r.count === opts.orders);
  if (ok && !opts.keepRunDir) rmSync(runDir, { recursive: true, force: true });
  else log(`run folder kept (logs of every process): ${runDir}`);
  return {
    ...(report ?? {
      schema: 1,
      startedAt: new Date(started).toISOString(),
      options: reportOptions(opts),
      stack: { temporal: 'not started', database: 'not started', worker: 'not started', taskQueuePrefix },
      machine: await describeMachine({}),
    }),
    durationMs: Date.now() - started,
    rows,
    ...(costGrowth(rows) ? { growth: costGrowth(rows) } : {}),
    processes: registry.records,
    ok,
    problems,
  };
}
