/** The scheduled checks' reports (check_reports): one per run, keyed by its workflow id. */
import type { Pool } from 'pg';
import type { CheckReport, Mismatch } from '../../../src/domain';

/** Stores a run's report once: a retried activity answers the first one's id. */
export async function storeReport(pool: Pool, report: CheckReport): Promise<CheckReport> {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO check_reports (kind, run_key, summary, mismatches, needs_attention) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (run_key) DO UPDATE SET run_key = EXCLUDED.run_key RETURNING id`,
    [
      report.kind,
      report.runKey,
      JSON.stringify(report.summary),
      JSON.stringify(report.mismatches),
      report.needsAttention,
    ],
  );
  return { ...report, id: Number(rows[0]!.id) };
}

/** The newest stored report of a kind (`orders reconcile --last`), or one run's. */
export async function storedReport(
  pool: Pool,
  which: { kind: CheckReport['kind'] } | { runKey: string },
): Promise<(CheckReport & { createdAt: string }) | undefined> {
  const byKind = 'kind' in which;
  const { rows } = await pool.query<{
    id: string;
    kind: CheckReport['kind'];
    run_key: string;
    summary: Record<string, number>;
    mismatches: Mismatch[];
    needs_attention: boolean;
    created_at: Date;
  }>(
    `SELECT id, kind, run_key, summary, mismatches, needs_attention, created_at FROM check_reports
     WHERE ${byKind ? 'kind = $1' : 'run_key = $1'} ORDER BY id DESC LIMIT 1`,
    [byKind ? which.kind : which.runKey],
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    id: Number(r.id),
    kind: r.kind,
    runKey: r.run_key,
    summary: r.summary,
    mismatches: r.mismatches,
    needsAttention: r.needs_attention,
    createdAt: r.created_at.toISOString(),
  };
}
