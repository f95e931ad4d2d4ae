import os from 'node:os';
import type { Pool } from 'pg';
import type { DiagnosticsActivities } from '../src/domain';

export function createDiagnosticsActivities(pool: Pool): DiagnosticsActivities {
  return {
    async recordPing({ checkId, service }) {
      await pool.query(
        `INSERT INTO stack_checks (check_id, service) VALUES ($1, $2) ON CONFLICT (check_id, service) DO NOTHING`,
        [checkId, service],
      );
      return { service, worker: `${os.hostname()}/${process.pid}` };
    },
  };
}
