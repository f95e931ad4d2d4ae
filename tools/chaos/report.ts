/**
 * What a chaos run tells: the faults injected, the invariants checked, how the orders ended;
 * as plain tables for a terminal and as one JSON document for scripts.
 */
import { writeFileSync } from 'node:fs';
import type { OrderOutcome } from './drive';
import type { FaultEvent, FaultKind } from './faults';
import type { InvariantResult } from './invariants';
import type { ProcessRecord } from '../dev-stack/processes';

export interface ChaosReport {
  seed: number;
  orders: number;
  concurrency: number;
  startedAt: string;
  durationMs: number;
  /** The --max-minutes bound was hit before the run finished. */
  boundHit: boolean;
  /** Interrupted (SIGINT) or broken (an error of the runner itself). */
  aborted?: string;
  faults: Array<{ kind: FaultKind; count: number }>;
  faultLog: FaultEvent[];
  invariants: InvariantResult[];
  /** Final statuses and action outcomes, counted. */
  outcomes: Record<string, number>;
  actions: Record<string, number>;
  /** Workers restarted because they had exited by themselves. */
  workerRevivals: number;
  /** "Not now" answers (429, 408 with Retry-After) the payment provider gave. */
  providerNotNow: number;
  processes: ProcessRecord[];
  /** Left on disk when the run failed: logs of every process, the SQLite file, the database. */
  runDir?: string;
  orderDetails: Array<
    Pick<OrderOutcome, 'orderId' | 'executionStatus' | 'actions' | 'error'> & Record<string, unknown>
  >;
  ok: boolean;
}

export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export function formatReport(r: ChaosReport): string {
  const out: string[] = [];
  out.push(
    `Chaos run: ${r.orders} orders, concurrency ${r.concurrency}, seed ${r.seed}, ${(r.durationMs / 1000).toFixed(1)} s` +
      (r.boundHit ? ' (TIME BOUND HIT)' : '') +
      (r.aborted ? ` (ABORTED: ${r.aborted})` : ''),
  );
  out.push('');
  out.push(
    table(
      ['fault', 'injected'],
      r.faults.map((f) => [f.kind, f.count]),
    ),
  );
  out.push(`payment provider "not now" answers (429, then 408, with Retry-After): ${r.providerNotNow}`);
  out.push('');
  out.push(
    table(
      ['invariant', 'checked', 'violations'],
      r.invariants.map((i) => [i.name, i.checked, i.violations.length]),
    ),
  );
  out.push('');
  out.push(
    table(
      ['outcome', 'orders'],
      Object.entries(r.outcomes).map(([k, v]) => [k, v]),
    ),
  );
  if (Object.keys(r.actions).length) {
    out.push('');
    out.push(
      table(
        ['action', 'count'],
        Object.entries(r.actions).map(([k, v]) => [k, v]),
      ),
    );
  }
  const violated = r.invariants.filter((i) => i.violations.length);
  for (const inv of violated) {
    out.push('', `${inv.name}: ${inv.violations.length} violation(s)`);
    for (const v of inv.violations.slice(0, 10)) out.push(`  ${v}`);
    if (inv.violations.length > 10) out.push(`  ... ${inv.violations.length - 10} more (see --json)`);
  }
  if (r.workerRevivals) {
    const crashes = r.processes.filter((p) => p.name.startsWith('worker:') && p.endedBy === 'exit');
    const why = Object.entries(
      crashes.reduce<Record<string, number>>((acc, p) => {
        const k = `${p.name} exit ${p.exitCode ?? p.signal ?? '?'}`;
        return { ...acc, [k]: (acc[k] ?? 0) + 1 };
      }, {}),
    ).map(([k, n]) => `${k} ×${n}`);
    out.push('', `workers that exited by themselves and were started again: ${r.workerRevivals} (${why.join(', ')})`);
  }
  if (r.runDir) out.push('', `logs and data kept in ${r.runDir}`);
  out.push('', r.ok ? 'OK: every invariant holds' : 'FAILED');
  return out.join('\n');
}

export function writeJson(file: string, report: ChaosReport): void {
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}
