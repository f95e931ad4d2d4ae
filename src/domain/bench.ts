/**
 * The benchmark's floor (npm run bench, tools/bench/): a bare workflow that calls one one-insert
 * activity in sequence as often as an order calls activities (and local activities), so the
 * order's throughput can be read against what the same server and worker do with nothing but
 * those calls.
 */
export interface BenchFloorInput {
  /** How many activity calls, one after the other (an order's count, measured in the same run). */
  activities: number;
  /** How many local activity calls before them (the order's count); default none. */
  localActivities?: number;
}

export interface BenchActivities {
  /** One INSERT into bench_floor_rows (migrations/0007), idempotent on (workflowId, step). */
  benchInsert(input: { workflowId: string; step: number }): Promise<void>;
}
