import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import { taskQueueFor } from '../domain';

export const RESERVATION_SWEEPER_SCHEDULE = 'reservation-sweeper';

export interface SweeperScheduleOptions {
  /** Deployment prefix (TASK_QUEUE_PREFIX): also prefixes the schedule id, so deployments do not share one. */
  taskQueuePrefix?: string;
  /** SWEEPER_INTERVAL_MS. */
  intervalMs: number;
}

/**
 * Creates the `reservation-sweeper` schedule, or brings an existing one to these options (a new
 * interval, queue or workflow shape), so every start of the stack may call it. Overlap SKIP: a pass
 * still running when the next is due makes that one skip. Returns the schedule id.
 */
export async function ensureReservationSweeperSchedule(client: Client, opts: SweeperScheduleOptions): Promise<string> {
  const prefix = opts.taskQueuePrefix ?? '';
  const scheduleId = `${prefix}${RESERVATION_SWEEPER_SCHEDULE}`;
  const options: Omit<ScheduleOptions, 'scheduleId'> = {
    spec: { intervals: [{ every: opts.intervalMs }] },
    action: {
      type: 'startWorkflow',
      workflowType: 'reservationSweeperWorkflow', // workflows/reservation-sweeper.ts
      taskQueue: taskQueueFor('orders', prefix),
      workflowId: scheduleId, // the schedule appends the time of each action
      args: [{}],
      // A stuck pass must not hold back the next ones for ever (SKIP would skip them all).
      workflowExecutionTimeout: Math.max(opts.intervalMs * 2, 60_000),
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP },
  };
  try {
    await client.schedule.create({ scheduleId, ...options });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    // Whatever an operator changed by hand (a pause) is kept; what this code owns is reset.
    await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, ...options }));
  }
  return scheduleId;
}
