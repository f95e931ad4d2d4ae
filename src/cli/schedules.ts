/**
 * `orders schedules apply|list` and `orders reconcile --last|--now`: the Temporal Schedules the
 * system owns (reservation sweeper, reconciliation, outbox lag) and the reconciliation's report.
 */
import { storedReport } from '../../activities/orders/store/reports';
import { scheduleSettings } from '../config';
import type { CheckReport } from '../domain';
import { SCHEDULE_NAMES, applySchedules, reconciliationScheduleId } from '../runtime/schedules';
import { withContext } from './context';
import { withPool } from './database';
import { invalid, operational } from './errors';
import { EXIT, printJson, table } from './output';

export async function schedulesApply(opts: { json?: boolean }): Promise<number> {
  return withContext(async ({ client, config }) => {
    const applied = await applySchedules(client, scheduleSettings(config));
    if (opts.json) printJson({ schedules: applied });
    else for (const s of applied) console.log(`${s.id}: ${s.what}`);
    return EXIT.OK;
  });
}

export async function schedulesList(opts: { json?: boolean }): Promise<number> {
  return withContext(async ({ client, config }) => {
    const ours = new Set(SCHEDULE_NAMES.map((name) => `${config.TASK_QUEUE_PREFIX}${name}`));
    const rows: Array<{
      id: string;
      workflowType: string;
      paused: boolean;
      next: string | null;
      recent: string | null;
    }> = [];
    for await (const s of client.schedule.list()) {
      // Another deployment's (prefixed) schedules, or someone else's, are not listed.
      if (!ours.has(s.scheduleId)) continue;
      rows.push({
        id: s.scheduleId,
        workflowType: s.action?.type === 'startWorkflow' ? s.action.workflowType : '-',
        paused: s.state.paused,
        next: s.info.nextActionTimes[0]?.toISOString() ?? null,
        recent: s.info.recentActions.at(-1)?.takenAt.toISOString() ?? null,
      });
    }
    rows.sort((a, b) => a.id.localeCompare(b.id));
    if (opts.json) printJson({ schedules: rows });
    else if (rows.length === 0) console.log('no schedules: run `orders schedules apply` (npm start does)');
    else
      console.log(
        table(
          ['SCHEDULE', 'WORKFLOW', 'STATE', 'NEXT RUN', 'LAST RUN'],
          rows.map((r) => [r.id, r.workflowType, r.paused ? 'paused' : 'active', r.next ?? '-', r.recent ?? '-']),
        ),
      );
    return EXIT.OK;
  });
}

function printReport(report: CheckReport & { createdAt: string }): void {
  console.log(`Reconciliation ${report.runKey} at ${report.createdAt}`);
  for (const [check, n] of Object.entries(report.summary)) console.log(`  ${check}: ${n}`);
  if (!report.needsAttention) {
    console.log('No mismatches.');
    return;
  }
  console.log(`${report.mismatches.length} mismatch(es) need attention:`);
  console.log(
    table(
      ['CHECK', 'SUBJECT', 'DETAIL'],
      report.mismatches.map((m) => [m.check, m.subject, m.detail]),
    ),
  );
}

/** How long --now waits for the triggered run (a worker must be polling the orders queue). */
const RECONCILE_WAIT_MS = 120_000;

export async function reconcile(opts: { last?: boolean; now?: boolean; json?: boolean }): Promise<number> {
  if (opts.last === opts.now) throw invalid('reconcile: give exactly one of --last or --now');
  let runKey: string | undefined;
  if (opts.now) {
    runKey = await withContext(async ({ client, config }) => {
      const handle = client.schedule.getHandle(reconciliationScheduleId(config.TASK_QUEUE_PREFIX));
      const before = new Set(
        (
          await handle.describe().catch(() => {
            throw operational('no reconciliation schedule: run `orders schedules apply` (npm start does)');
          })
        ).info.recentActions.map((a) => a.action.workflow.workflowId),
      );
      await handle.trigger();
      const deadline = Date.now() + RECONCILE_WAIT_MS;
      for (;;) {
        const started = (await handle.describe()).info.recentActions
          .map((a) => a.action.workflow.workflowId)
          .find((id) => !before.has(id));
        if (started) {
          const result = client.workflow.getHandle(started).result();
          const timeout = new Promise<never>((_, reject) =>
            setTimeout(
              () => reject(operational('the reconciliation did not finish: is a worker running?')),
              deadline - Date.now(),
            ).unref(),
          );
          await Promise.race([result, timeout]);
          return started;
        }
        if (Date.now() > deadline) throw operational('the schedule did not start a reconciliation in time');
        await new Promise((r) => setTimeout(r, 250));
      }
    });
  }
  return withPool(async (pool) => {
    const report = await storedReport(pool, runKey ? { runKey } : { kind: 'reconciliation' });
    if (!report) {
      if (opts.json) printJson({ report: null });
      else console.log('no reconciliation has run yet: `orders reconcile --now` runs one');
      return EXIT.OK;
    }
    if (opts.json) printJson({ report });
    else printReport(report);
    return EXIT.OK;
  });
}
