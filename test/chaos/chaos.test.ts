/**
 * The chaos runner end to end, small: its own stack (not the test run's shared server), 30
 * orders, every fault kind at least once; money and stock must add up and no process may be left.
 * The full report is written to test-output/chaos-report.json.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../src/runtime/paths';
import { isAlive } from '../../tools/dev-stack/processes';
import { formatReport, writeJson } from '../../tools/chaos/report';
import { runChaos } from '../../tools/chaos/runner';

jest.setTimeout(6 * 60_000);

test('30 orders under worker crashes, Temporal and PostgreSQL restarts and a black-holed database', async () => {
  const report = await runChaos({
    orders: 30,
    concurrency: 10,
    seed: 20261128,
    maxMinutes: 5,
    approvalTimeoutMs: 10_000,
    // A stuck order is reported (unsettled) after 100 s instead of holding the run to its bound.
    orderTimeoutMs: 100_000,
    // Each kind at least once while orders flow: a fault every ~8 s, a 4 s black hole.
    faultPlan: { gapMs: 8_000, blackholeMs: 4_000 },
    log: () => undefined,
  });
  const outDir = path.join(projectRoot(), 'test-output');
  mkdirSync(outDir, { recursive: true });
  writeJson(path.join(outDir, 'chaos-report.json'), report);
  const summary = formatReport(report);

  // Every recorded process (server, database host, postmaster, every worker incarnation) is gone.
  expect(report.processes.length).toBeGreaterThanOrEqual(7);
  expect(report.processes.filter((p) => isAlive(p.pid))).toEqual([]);
  for (const fault of report.faults)
    expect({ fault: fault.kind, injected: fault.count > 0 }).toEqual({ fault: fault.kind, injected: true });
  if (report.aborted || report.boundHit) throw new Error(`run did not complete:\n${summary}`);
  if (report.invariants.some((i) => i.violations.length > 0)) throw new Error(`invariants violated:\n${summary}`);
  expect(report.invariants.every((i) => i.checked > 0)).toBe(true);
  expect(report.ok).toBe(true);
});
