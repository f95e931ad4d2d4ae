import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import { taskQueueFor } from '../domain';

export const RESERVATION_SWEEPER_SCHEDULE = 'reservation-sweeper';
export const RECONCILIATION_SCHEDULE = 'reconciliation';
export const OUTBOX_LAG_SCHEDULE = 'outbox-lag';
export const STRANDED_ORDERS_SCHEDULE = 'stranded-orders';
/** Every schedule the system owns (each id is the deployment prefix + one of these). */
export const SCHEDULE_NAMES = [
  RESERVATION_SWEEPER_SCHEDULE,
  RECONCILIATION_SCHEDULE,
  OUTBOX_LAG_SCHEDULE,
  STRANDED_ORDERS_SCHEDULE,
] as const;

type ScheduleBody = Omit<ScheduleOptions, 'scheduleId'>;

/**
 * Creates schedule `scheduleId`, or brings an existing one to these options (a new interval, queue
 * or workflow shape), so every start of the stack may call it. Whatever an operator changed by
 * hand (a pause) is kept; what this code owns is reset.
 */
async function upsertSchedule(client: Client, scheduleId: string, options: ScheduleBody): Promise<string> {
  try {
    await client.schedule.create({ scheduleId, ...options });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, ...options }));
  }
  return scheduleId;
}

/**
 * Every schedule runs on the deployment's orders queue, overlap SKIP (a run still going when the
 * next is due makes that one skip) and a catch-up window (after an outage, one missed run within
 * it still runs; older ones are dropped). A stuck run must not hold back the next ones for ever.
 */
function startWorkflow(
  prefix: string,
  scheduleId: string,
  workflowType: string,
  args: unknown[],
  timeoutMs: number,
): ScheduleBody['action'] {
  return {
    type: 'startWorkflow',
    workflowType,
    taskQueue: taskQueueFor('orders', prefix),
    workflowId: scheduleId, // the schedule appends the time of each action
    args,
    workflowExecutionTimeout: timeoutMs,
  };
}

export interface SweeperScheduleOptions {
  /** Deployment prefix (TASK_QUEUE_PREFIX): also prefixes the schedule id, so deployments do not share one. */
  taskQueuePrefix?: string;
  /** SWEEPER_INTERVAL_MS. */
  intervalMs: number;
}

/** A schedule that starts `workflowType` every `everyMs` (overlap SKIP, one missed run caught up). Returns its id. */
function everySchedule(
  client: Client,
  prefix: string,
  name: string,
  workflow: { type: string; args: unknown[] },
  everyMs: number,
): Promise<string> {
  const scheduleId = `${prefix}${name}`;
  return upsertSchedule(client, scheduleId, {
    spec: { intervals: [{ every: everyMs }] },
    action: startWorkflow(prefix, scheduleId, workflow.type, workflow.args, Math.max(everyMs * 2, 60_000)),
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: everyMs },
  });
}

/** The `reservation-sweeper` schedule (workflows/reservation-sweeper.ts). Returns the schedule id. */
export async function ensureReservationSweeperSchedule(client: Client, opts: SweeperScheduleOptions): Promise<string> {
  return everySchedule(
    client,
    opts.taskQueuePrefix ?? '',
    RESERVATION_SWEEPER_SCHEDULE,
    { type: 'reservationSweeperWorkflow', args: [{}] },
    opts.intervalMs,
  );
}

export interface ScheduleSettings extends SweeperScheduleOptions {
  /** RECONCILE_CRON (UTC). */
  reconcileCron: string;
  /** OUTBOX_LAG_CHECK_MS and OUTBOX_LAG_ALERT_MS. */
  outboxLagCheckMs: number;
  outboxLagAlertMs: number;
  /** STRANDED_WATCH_MS and STRANDED_LOOKBACK_MS (workflows/recovery.ts). */
  strandedWatchMs: number;
  strandedLookbackMs: number;
}

export interface AppliedSchedule {
  id: string;
  what: string;
}

/** `orders schedules apply` and `npm start`: every schedule the system owns, created or updated. */
export async function applySchedules(client: Client, opts: ScheduleSettings): Promise<AppliedSchedule[]> {
  const prefix = opts.taskQueuePrefix ?? '';
  const reconciliation = `${prefix}${RECONCILIATION_SCHEDULE}`;
  return [
    {
      id: await ensureReservationSweeperSchedule(client, opts),
      what: `releases abandoned reservations every ${opts.intervalMs / 1000} s`,
    },
    {
      id: await upsertSchedule(client, reconciliation, {
        spec: { cronExpressions: [opts.reconcileCron] },
        action: startWorkflow(prefix, reconciliation, 'reconciliationWorkflow', [], 30 * 60_000),
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '6h' },
      }),
      what: `reconciles payments, orders, stock and shipments at cron "${opts.reconcileCron}" (UTC)`,
    },
    {
      id: await everySchedule(
        client,
        prefix,
        OUTBOX_LAG_SCHEDULE,
        { type: 'outboxLagWorkflow', args: [{ alertMs: opts.outboxLagAlertMs }] },
        opts.outboxLagCheckMs,
      ),
      what: `alerts when an event has waited in the outbox over ${opts.outboxLagAlertMs / 1000} s`,
    },
    {
      id: await everySchedule(
        client,
        prefix,
        STRANDED_ORDERS_SCHEDULE,
        { type: 'strandedOrdersWorkflow', args: [{ lookbackMs: opts.strandedLookbackMs }] },
        opts.strandedWatchMs,
      ),
      what: `settles orders whose run was terminated or timed out, every ${opts.strandedWatchMs / 1000} s`,
    },
  ];
}

/** The reconciliation schedule's id in this deployment (`orders reconcile --now` triggers it). */
export function reconciliationScheduleId(prefix = ''): string {
  return `${prefix}${RECONCILIATION_SCHEDULE}`;
}
