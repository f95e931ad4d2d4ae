import os from 'node:os';
import type { Pool } from 'pg';
import type { DiagnosticsActivities } from '../src/domain';

/** `status`: what the worker adds about itself (the payments worker: its provider's breaker). */
export function createDiagnosticsActivities(pool: Pool, status?: () => string): DiagnosticsActivities {
  return {
    async recordPing({ checkId, service }) {
      await pool.query(
        `INSERT INTO stack_checks (check_id, service) VALUES ($1, $2) ON CONFLICT (check_id, service) DO NOTHING`,
        [checkId, service],
      );
      const worker = `${os.hostname()}/${process.pid}`;
      return { service, worker: status ? `${worker}  ${status()}` : worker };
    },
  };
}
