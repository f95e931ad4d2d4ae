/**
 * The chaos runner end to end, small: its own stack (not the test run's shared server), 30
 * orders, every fault kind at least once; money and stock must add up and no process may be left.
 */
import { isAlive } from '../../src/chaos/processes';
import { formatReport } from '../../src/chaos/report';
import { runChaos } from '../../src/chaos/runner';

jest.setTimeout(6 * 60_000);

test('30 orders under worker crashes, Temporal and PostgreSQL restarts and a black-holed database', async () => {
  const report = await runChaos({
    orders: 30,
    concurrency: 10,
    seed: 20261128,
    maxMinutes: 5,
    approvalTimeoutMs: 10_000,
    // Enough of each fault in a short run: one every ~4 s, a 4 s black hole.
    faultPlan: { gapMs: 4_000, blackholeMs: 4_000 },
    log: () => undefined,
  });
  const summary = formatReport(report);

  expect({ aborted: report.aborted, boundHit: report.boundHit }).toEqual({ aborted: undefined, boundHit: false });
  for (const fault of report.faults)
    expect({ fault: fault.kind, injected: fault.count > 0 }).toEqual({ fault: fault.kind, injected: true });
  const violations = report.invariants.filter((i) => i.violations.length > 0);
  if (violations.length) throw new Error(`invariants violated:\n${summary}`);
  expect(report.invariants.every((i) => i.checked > 0)).toBe(true);
  // Every recorded process (server, database host, postmaster, every worker incarnation) is gone.
  expect(report.processes.length).toBeGreaterThanOrEqual(7);
  expect(report.processes.filter((p) => isAlive(p.pid))).toEqual([]);
  expect(report.ok).toBe(true);
});
