/**
 * Schedules and the checks they run, on the real stack: `orders schedules apply` creates the four
 * schedules (the `temporal` CLI lists them), applying again changes nothing, `orders reconcile --now`
 * triggers a reconciliation whose stored report holds a mismatch seeded here, and the outbox-lag
 * check flags an event that has waited too long.
 */
import { execFileSync } from 'node:child_process';
import { SCHEDULE_NAMES } from '../../src/runtime/schedules';
import { resolveTemporalCli } from '../../tools/dev-stack/temporal-cli';
import { outboxLagWorkflow } from '../../workflows/checks';
import { cliEnv } from '../support/cli';
import { uid } from '../support/orders';
import { runCli } from '../support/processes';
import { startTestWorkers, type TestWorkers } from '../support/workers';

let stack: TestWorkers;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  stack = await startTestWorkers(['orders']);
  // Long intervals: nothing fires on its own during the test; --now triggers the reconciliation.
  env = cliEnv(stack.prefix, {
    SWEEPER_INTERVAL_MS: '3600000',
    OUTBOX_LAG_CHECK_MS: '3600000',
    STRANDED_WATCH_MS: '3600000',
  });
});
afterAll(async () => {
  for (const name of SCHEDULE_NAMES)
    await stack.client.schedule
      .getHandle(`${stack.prefix}${name}`)
      .delete()
      .catch(() => undefined);
  await stack.stop();
});

/** `temporal schedule list` on the test server: what the Web UI's Schedules page shows. */
async function temporalScheduleIds(): Promise<string[]> {
  const cli = await resolveTemporalCli({ allowBuild: false, allowDownload: false });
  if (cli.kind !== 'path') throw new Error('no Temporal CLI binary');
  const out = execFileSync(
    cli.path,
    ['schedule', 'list', '--address', process.env.TEMPORAL_ADDRESS!, '--namespace', 'default', '-o', 'json'],
    { encoding: 'utf8' },
  );
  return (JSON.parse(out) as Array<{ scheduleId: string }>).map((s) => s.scheduleId);
}

test('schedules apply creates four schedules, SKIP overlap and a catch-up window; applying again is idempotent', async () => {
  const first = await runCli(['schedules', 'apply', '--json'], env);
  expect(first).toMatchObject({ code: 0, stderr: '' });
  const ids = SCHEDULE_NAMES.map((n) => `${stack.prefix}${n}`);
  expect((JSON.parse(first.stdout) as { schedules: Array<{ id: string }> }).schedules.map((s) => s.id)).toEqual(ids);
  expect(await temporalScheduleIds()).toEqual(expect.arrayContaining(ids));

  const again = await runCli(['schedules', 'apply', '--json'], env);
  expect(again.code).toBe(0);
  for (const id of ids) {
    const d = await stack.client.schedule.getHandle(id).describe();
    expect(d.policies).toMatchObject({ overlap: 'SKIP' });
    expect(d.policies.catchupWindow).toBeGreaterThan(0);
    expect(d.action).toMatchObject({ type: 'startWorkflow', taskQueue: stack.ordersQueue });
  }
  const reconciliation = await stack.client.schedule.getHandle(`${stack.prefix}reconciliation`).describe();
  expect(reconciliation.spec.calendars ?? []).toHaveLength(1); // the nightly cron, once (not twice)

  const listed = await runCli(['schedules', 'list', '--json'], env);
  expect(listed.code).toBe(0);
  const schedules = (JSON.parse(listed.stdout) as { schedules: Array<{ id: string; workflowType: string }> }).schedules;
  expect(schedules.map((s) => [s.id, s.workflowType])).toEqual([
    [`${stack.prefix}outbox-lag`, 'outboxLagWorkflow'],
    [`${stack.prefix}reconciliation`, 'reconciliationWorkflow'],
    [`${stack.prefix}reservation-sweeper`, 'reservationSweeperWorkflow'],
    [`${stack.prefix}stranded-orders`, 'strandedOrdersWorkflow'],
  ]);
});

test('reconcile --now runs one through the schedule; the stored report marks a seeded mismatch; --last shows it', async () => {
  await runCli(['schedules', 'apply'], env);
  // A Delivered order with a total and no capture in the ledger: paid-without-capture.
  const orderId = uid('unpaid');
  await stack.pool.query(
    `INSERT INTO orders (order_id, customer_id, status, currency, subtotal_cents, shipping_cents, total_cents)
     VALUES ($1, 'cust-recon', 'Delivered', 'USD', 1000, 0, 1000)`,
    [orderId],
  );
  try {
    const now = await runCli(['reconcile', '--now', '--json'], env);
    expect(now).toMatchObject({ code: 0, stderr: '' });
    const { report } = JSON.parse(now.stdout) as {
      report: {
        runKey: string;
        needsAttention: boolean;
        summary: Record<string, number>;
        mismatches: Array<{ check: string; subject: string; detail: string }>;
      };
    };
    expect(report.runKey.startsWith(`${stack.prefix}reconciliation`)).toBe(true);
    expect(report.needsAttention).toBe(true);
    expect(report.summary['paid-without-capture']).toBeGreaterThanOrEqual(1);
    expect(report.mismatches).toContainEqual({
      check: 'paid-without-capture',
      subject: orderId,
      detail: 'status Delivered, no approved capture',
    });
    const stored = await stack.pool.query('SELECT needs_attention FROM check_reports WHERE run_key = $1', [
      report.runKey,
    ]);
    expect(stored.rows).toEqual([{ needs_attention: true }]);

    const last = await runCli(['reconcile', '--last'], env);
    expect(last.code).toBe(0);
    expect(last.stdout).toContain(report.runKey);
    expect(last.stdout).toMatch(/mismatch\(es\) need attention/);
    expect(last.stdout).toContain(orderId);
  } finally {
    await stack.pool.query('DELETE FROM orders WHERE order_id = $1', [orderId]);
  }
});

test('reconcile needs exactly one of --last and --now (exit 2, nothing run)', async () => {
  const both = await runCli(['reconcile', '--last', '--now'], env);
  expect(both.code).toBe(2);
  expect(both.stderr).toContain('reconcile: give exactly one of --last or --now');
});

test('the outbox-lag check flags an event that has waited longer than the alert threshold', async () => {
  const orderId = uid('stuck');
  await stack.pool.query(
    `INSERT INTO outbox (order_id, event_type, payload, idempotency_key, created_at)
     VALUES ($1, 'OrderPlaced', $2, $3, now() - interval '10 minutes')`,
    [orderId, JSON.stringify({ orderId }), `${orderId}:OrderPlaced`],
  );
  try {
    const runKey = uid('lag');
    const report = await stack.client.workflow.execute(outboxLagWorkflow, {
      taskQueue: stack.ordersQueue,
      workflowId: runKey,
      args: [{ alertMs: 5 * 60_000 }],
    });
    expect(report).toMatchObject({ kind: 'outbox-lag', runKey, needsAttention: true });
    expect(report.summary.unpublished).toBeGreaterThanOrEqual(1);
    expect(report.summary.oldestUnpublishedMs).toBeGreaterThan(10 * 60_000 - 5_000);
  } finally {
    await stack.pool.query('DELETE FROM outbox WHERE order_id = $1', [orderId]);
  }
});
