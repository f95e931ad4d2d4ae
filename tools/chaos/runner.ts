/**
 * The chaos run: its own stack, seeded orders at a bounded concurrency, a fault schedule
 * meanwhile, a bounded wait until every order settles, the invariants, a report; every process
 * it started is stopped by pid at the end, also on interrupt and on failure.
 */
import { setMaxListeners } from 'node:events';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { newKeyEntry, parseKeyring } from '../../src/runtime/codec-keys';
import { runDecisionKeys } from '../../src/runtime/decision-keys';
import { decisionSigningInterceptor } from '../../src/runtime/decision-signer';
import { dataConverterFor } from '../../src/runtime/data-converter';
import type { Pool } from 'pg';
import { createSandboxPaymentProvider } from '../../src/providers/sandbox/payments';
import { providerVault } from '../../src/placement/payment-methods';
import { createPool } from '../../src/db/pool';
import { workflowBundleFile } from '../../src/runtime/workflow-bundle';
import { migrate } from '../../src/db/migrate';
import type { OrderSettings } from '../../src/domain';
import { driveOrder, type DriveContext, type OrderOutcome, type ReadModelRow } from './drive';
import { FAULT_KINDS, FaultInjector, defaultFaultPlan, type FaultPlan } from './faults';
import { checkAll, type FinalOrder, type InitialStock, type InvariantResult } from './invariants';
import { REFUSED_WAREHOUSE, chaosCatalog, planOrders, seedCatalog } from './order-mix';
import { CHAOS_PAYMENT_WINDOW_MS, startOperations, type RunOperations } from './operations';
import { freePort } from '../dev-stack/ports';
import { ProcessRegistry } from '../dev-stack/processes';
import { createRandom } from './random';
import type { ChaosReport } from './report';
import { ChaosStack } from './stack';

export interface ChaosOptions {
  orders: number;
  concurrency: number;
  seed: number;
  /** Hard bound on the whole run, shutdown included. */
  maxMinutes: number;
  /** One order's bound from placement to settled (default 5 min); a stuck order is reported unsettled. */
  orderTimeoutMs?: number;
  /** Approval window of big orders (some are left to time out). */
  approvalTimeoutMs?: number;
  faultPlan?: Partial<FaultPlan>;
  /** A prebuilt workflow bundle; otherwise WORKFLOW_BUNDLE_PATH, otherwise bundled once for the run. */
  workflowBundlePath?: string;
  /** Keep the run directory (logs, SQLite, database) even when the run passes. */
  keepRunDir?: boolean;
  /** Interrupt (SIGINT): stop placing, stop everything, report what was seen. */
  signal?: AbortSignal;
  /** Progress lines and notes (default: stderr). */
  log?: (line: string) => void;
  progressEveryMs?: number;
}

const STOP_MARGIN_MS = 60_000;

function finalOrders(outcomes: readonly OrderOutcome[], readModel: Map<string, ReadModelRow>): FinalOrder[] {
  return outcomes
    .filter((o) => o.placed)
    .map((o) => ({
      orderId: o.orderId,
      status: o.view?.status ?? (readModel.get(o.orderId)?.status as FinalOrder['status']),
      needsAttention: o.view?.needsAttention !== undefined || Boolean(readModel.get(o.orderId)?.attention),
      attentionReason: o.view?.needsAttention?.reason ?? readModel.get(o.orderId)?.attention ?? undefined,
      totalCents: o.view && o.view.totalCents > 0 ? o.view.totalCents : undefined,
      executionStatus: o.executionStatus,
      terminated: o.terminated,
    }));
}

function count<T>(items: readonly T[], key: (t: T) => string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) {
    const k = key(item);
    if (k) out[k] = (out[k] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** The workers' environment in a chaos run: short windows and the faults the run plays with. */
function chaosWorkerEnv(run: {
  approvalTimeoutMs: number;
  paymentsPort: number;
  codecKeys: string;
  decisionKeys: string;
}) {
  const { approvalTimeoutMs, paymentsPort, codecKeys, decisionKeys } = run;
  return {
    LOG_LEVEL: 'warn',
    TRANSIT_TIME_MS: '300',
    SANDBOX_PAYMENT_DELAY_MS: '1500',
    APPROVAL_TIMEOUT_MS: String(approvalTimeoutMs),
    SANDBOX_CARRIER: 'on',
    // One of an order's bookings refused, a moment after its other parcels may have left.
    SANDBOX_CARRIER_REFUSE_FROM: REFUSED_WAREHOUSE,
    SANDBOX_CARRIER_REFUSE_AFTER_MS: '400',
    // Short, so the provider's outage (operations.ts) outlasts it: authorizations get renewed.
    PAYMENT_WINDOW_MS: String(CHAOS_PAYMENT_WINDOW_MS),
    PAYMENTS_PROVIDER: 'http',
    PAYMENTS_URL: `http://127.0.0.1:${paymentsPort}`,
    PAYLOAD_CODEC_KEYS: codecKeys,
    DECISION_PUBLIC_KEYS: decisionKeys,
  };
}

/** How an order ended, as the report counts it. */
function outcomeLabel(o: OrderOutcome, readModel: Map<string, ReadModelRow>): string {
  if (!o.placed) return 'not placed';
  if (!o.settled) return `unsettled (${o.view?.status ?? 'unknown'})`;
  if (o.terminated) return `terminated, recovered: ${readModel.get(o.orderId)?.status ?? 'unknown'}`;
  if (o.view?.needsAttention) return `NeedsAttention (${o.view.status})`;
  const reason = o.view?.failureReason ? ` (${o.view.failureReason})` : '';
  const run = o.executionStatus && o.executionStatus !== 'COMPLETED' ? ` [run ${o.executionStatus}]` : '';
  return `${o.view?.status ?? 'unknown'}${reason}${run}`;
}

/** One order's line in the report's details. */
function orderDetail(o: OrderOutcome, readModel: Map<string, ReadModelRow>) {
  return {
    orderId: o.orderId,
    token: o.plan.token,
    big: o.plan.big,
    approval: o.plan.approval,
    cancel: o.plan.cancel,
    terminate: o.plan.terminate,
    status: o.view?.status ?? readModel.get(o.orderId)?.status,
    failureReason: o.view?.failureReason,
    needsAttention: o.view?.needsAttention,
    payment: o.view?.payment,
    executionStatus: o.executionStatus,
    actions: o.actions,
    ...(o.error ? { error: o.error } : {}),
  };
}

/** The run's report: its faults, the invariants, every order's outcome and the actions taken. */
function chaosReport(r: {
  opts: ChaosOptions;
  started: number;
  boundHit: boolean;
  aborted: string | undefined;
  injector: FaultInjector | undefined;
  invariants: InvariantResult[];
  outcomes: OrderOutcome[];
  readModel: Map<string, ReadModelRow>;
  workerRevivals: number;
  ops: RunOperations | undefined;
  registry: ProcessRegistry;
  keep: boolean | undefined;
  runDir: string;
  ok: boolean;
}): ChaosReport {
  const { opts, injector, outcomes, readModel } = r;
  return {
    seed: opts.seed,
    orders: opts.orders,
    concurrency: opts.concurrency,
    startedAt: new Date(r.started).toISOString(),
    durationMs: Date.now() - r.started,
    boundHit: r.boundHit,
    ...(r.aborted ? { aborted: r.aborted } : {}),
    faults: FAULT_KINDS.map((kind) => ({ kind, count: injector?.counts[kind] ?? 0 })),
    faultLog: injector?.events ?? [],
    invariants: r.invariants,
    outcomes: count(outcomes, (o) => outcomeLabel(o, readModel)),
    actions: count(
      outcomes.flatMap((o) => o.actions),
      (a) => `${a.kind} ${a.result}${a.atStatus ? ` at ${a.atStatus}` : ''}`,
    ),
    workerRevivals: r.workerRevivals,
    providerNotNow: r.ops?.notNow() ?? 0,
    processes: r.registry.records,
    ...(r.keep ? { runDir: r.runDir } : {}),
    orderDetails: outcomes.map((o) => orderDetail(o, readModel)),
    ok: r.ok,
  };
}

export async function runChaos(opts: ChaosOptions): Promise<ChaosReport> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const started = Date.now();
  const hardDeadline = started + opts.maxMinutes * 60_000;
  const workDeadline = Math.max(started + 30_000, hardDeadline - STOP_MARGIN_MS);
  const rng = createRandom(opts.seed);
  const runDir = mkdtempSync(path.join(os.tmpdir(), 'durable-orders-chaos-'));
  chmodSync(runDir, 0o755); // as root, PostgreSQL runs as its own user and must reach its data
  const registry = new ProcessRegistry();
  const taskQueuePrefix = `chaos${opts.seed}-`;
  const approvalTimeoutMs = opts.approvalTimeoutMs ?? 20_000;
  const runAbort = new AbortController();
  setMaxListeners(0, runAbort.signal); // every order in flight waits on it
  const onAbort = () => runAbort.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  // The bound: past the working deadline, nothing is awaited any more; past the hard one, every process is killed.
  const workTimer = setTimeout(() => runAbort.abort(), workDeadline - Date.now());
  const hardTimer = setTimeout(() => void registry.killAll(), hardDeadline - Date.now());

  let stack: ChaosStack | undefined;
  let connection: Connection | undefined;
  let vaultPool: Pool | undefined;
  let ops: RunOperations | undefined;
  /** The read model's row of every order, read once the run is over. */
  let readModel = new Map<string, ReadModelRow>();
  let injector: FaultInjector | undefined;
  let progress: NodeJS.Timeout | undefined;
  const outcomes: OrderOutcome[] = [];
  let invariants: InvariantResult[] = [];
  let aborted: string | undefined;
  let workerRevivals = 0;
  try {
    const bundlePath = await workflowBundleFile(runDir, opts.workflowBundlePath);
    // The run's own payload key (or the caller's): its workers and its client encrypt with it.
    const codecKeys = process.env.PAYLOAD_CODEC_KEYS ?? newKeyEntry();
    const decisions = runDecisionKeys(process.env.DECISION_SIGNING_KEY);
    // The payment provider over HTTP (tools/chaos/operations.ts serves it, with "not now" answers).
    const paymentsPort = await freePort();
    stack = new ChaosStack({
      runDir,
      taskQueuePrefix,
      workflowBundlePath: bundlePath,
      registry,
      log,
      workerEnv: chaosWorkerEnv({ approvalTimeoutMs, paymentsPort, codecKeys, decisionKeys: decisions.publicKeys }),
    });
    // Seed before the workers start (they would migrate too; the advisory lock makes that safe).
    await stack.start();
    const catalog = chaosCatalog(opts.orders);
    const initial: InitialStock = {};
    for (const item of catalog) for (const [w, n] of Object.entries(item.stock)) initial[`${item.sku}@${w}`] = n;
    {
      const pool = createPool(stack.directDatabaseUrl, 2);
      try {
        await migrate(pool);
        await seedCatalog(pool, catalog);
      } finally {
        await pool.end();
      }
    }
    log(
      `chaos: stack up in ${((Date.now() - started) / 1000).toFixed(1)} s (temporal ${stack.temporalAddress}, ` +
        `postgres 127.0.0.1:${stack.pgPort} via proxy :${stack.proxy!.port}); run dir ${runDir}`,
    );

    connection = await Connection.connect({ address: stack.temporalAddress });
    const client = new Client({
      connection,
      namespace: 'default',
      dataConverter: dataConverterFor(parseKeyring(codecKeys, 'chaos run key')),
      // The run's operators decide as holders of its signing key (src/runtime/decision-signer.ts).
      interceptors: { workflow: [decisionSigningInterceptor(() => decisions.signing)] },
    });
    // Approvers, threshold, approval window, the carrier's transit and the payment window are the
    // workers' policy (their environment above): a placer names none of them.
    const settings: OrderSettings = {};
    // Card tokens go to the sandbox provider's vault in-process (npm start serves it over HTTP).
    vaultPool = createPool(stack.directDatabaseUrl, 4);
    const provider = createSandboxPaymentProvider(vaultPool);
    ops = await startOperations({ client, pool: vaultPool, taskQueuePrefix, paymentsPort, log });
    const ctx: DriveContext = {
      client,
      vault: providerVault(provider),
      settings,
      taskQueuePrefix,
      deadline: workDeadline,
      orderTimeoutMs: opts.orderTimeoutMs ?? 5 * 60_000,
      signal: runAbort.signal,
      readModel: ops.readModel,
      newSkuReady: ops.newSkuReady,
    };
    const plans = planOrders(opts.orders, rng.fork('orders'), `chaos${opts.seed}`);
    injector = new FaultInjector(
      stack,
      rng.fork('faults'),
      { ...defaultFaultPlan(opts.orders), ...opts.faultPlan },
      log,
    );

    let next = 0;
    let ordersDone = false;
    const faultAbort = new AbortController();
    setMaxListeners(0, faultAbort.signal);
    runAbort.signal.addEventListener('abort', () => faultAbort.abort(), { once: true });
    // A fault that cannot restore the stack (say PostgreSQL will not start again) ends the run.
    let faultError: unknown;
    const faults = injector
      .run(() => !ordersDone, faultAbort.signal)
      .catch((err: unknown) => {
        faultError = err;
        runAbort.abort();
      });
    const theStack = stack;
    const theInjector = injector;
    progress = setInterval(() => {
      workerRevivals += theStack.reviveWorkers().length;
      const settled = outcomes.filter((o) => o.settled).length;
      const faultCounts = FAULT_KINDS.map((k) => `${k} ${theInjector.counts[k]}`).join(', ');
      log(
        `chaos ${Math.round((Date.now() - started) / 1000)}s: placed ${next}/${opts.orders}, ` +
          `done ${outcomes.length} (settled ${settled}) | faults: ${faultCounts}` +
          (theInjector.current ? ` | now: ${theInjector.current}` : ''),
      );
    }, opts.progressEveryMs ?? 5_000);

    await Promise.all(
      Array.from({ length: Math.max(1, Math.min(opts.concurrency, plans.length)) }, async () => {
        while (next < plans.length && !runAbort.signal.aborted) {
          const plan = plans[next++]!;
          // A third of the way in, the catalog changes (at once if this order waits for it).
          ops!.onPlaced(plan.newSku ? plans.length : next, plans.length);
          outcomes.push(await driveOrder(ctx, plan));
        }
      }),
    );
    ordersDone = true;
    await faults; // finishes the current fault (the stack is restored) and any kind not yet injected
    if (faultError) throw faultError;
    if (runAbort.signal.aborted) aborted = opts.signal?.aborted ? 'interrupted' : undefined;

    // The read model answers for orders whose view was never seen.
    const pool = createPool(stack.directDatabaseUrl, 2);
    try {
      const { rows } = await pool.query<ReadModelRow & { order_id: string }>(
        'SELECT order_id, status, attention FROM orders WHERE order_id = ANY($1::text[])',
        [outcomes.map((o) => o.orderId)],
      );
      readModel = new Map(rows.map((r) => [r.order_id, r]));
      // Orders never driven (interrupted, bound hit) count as unsettled.
      for (const plan of plans.slice(outcomes.length))
        outcomes.push({ orderId: plan.orderId, plan, placed: false, actions: [], settled: false });
      const change = ops.catalogChange();
      if (change) initial[`${change.newSku}@${change.warehouse}`] = change.stock;
      invariants = await checkAll(pool, finalOrders(outcomes, readModel), initial, { outcomes, change });
    } finally {
      await pool.end();
    }
  } catch (err) {
    aborted = `runner error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
    log(aborted);
  } finally {
    if (progress) clearInterval(progress);
    await connection?.close().catch(() => undefined);
    await ops?.stop().catch(() => undefined);
    await vaultPool?.end().catch(() => undefined);
    await stack?.stop();
    clearTimeout(workTimer);
    clearTimeout(hardTimer);
    opts.signal?.removeEventListener('abort', onAbort);
  }

  const boundHit = Date.now() > workDeadline && !opts.signal?.aborted;
  const leftRunning = registry.alive();
  if (leftRunning.length)
    aborted ??= `processes left running: ${leftRunning.map((p) => `${p.name} ${p.pid}`).join(', ')}`;
  const notPlaced = outcomes.filter((o) => !o.placed).length + Math.max(0, opts.orders - outcomes.length);
  const ok =
    !aborted &&
    !boundHit &&
    notPlaced === 0 &&
    invariants.length > 0 &&
    invariants.every((i) => i.violations.length === 0) &&
    FAULT_KINDS.every((k) => (injector?.counts[k] ?? 0) > 0);
  const keep = !ok || opts.keepRunDir;
  if (!keep) rmSync(runDir, { recursive: true, force: true });
  return chaosReport({
    opts,
    started,
    boundHit,
    aborted,
    injector,
    invariants,
    outcomes,
    readModel,
    workerRevivals,
    ops,
    registry,
    keep,
    runDir,
    ok,
  });
}
