import type { Pool } from 'pg';
import type { BenchActivities } from '../../src/domain';

/** The floor's activity (src/domain/bench.ts): one statement, nothing else. */
export function createBenchActivities(pool: Pool): BenchActivities {
  return {
    async benchInsert({ workflowId, step }) {
      await pool.query(
        'INSERT INTO bench_floor_rows (workflow_id, step) VALUES ($1, $2) ON CONFLICT (workflow_id, step) DO NOTHING',
        [workflowId, step],
      );
    },
  };
}
