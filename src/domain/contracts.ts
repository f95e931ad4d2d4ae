/**
 * Activity contracts: what workflows may ask of each service. Workflows import these types only;
 * the implementations in activities/ own the SQL.
 */
import type { Service } from './task-queues';

export interface PingInput {
  checkId: string;
  service: Service;
}

export interface DiagnosticsActivities {
  /** Records that `service`'s worker answered; idempotent on (checkId, service). */
  recordPing(input: PingInput): Promise<{ service: Service; worker: string }>;
}
