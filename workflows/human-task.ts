import { condition } from '@temporalio/workflow';

/**
 * A human task with a deadline, whatever it decides (an order's approval, a goodwill refund's): a
 * reminder half-way, a last call when the last part of the window is left, then the deadline. The
 * caller says how to remind (its status, its notifications) and how long the last call is (runs
 * that passed the half-way reminder on older code have none: it asks its patch there).
 */
export interface HumanTask {
  decided(): boolean;
  windowMs: number;
  remind(kind: 'half-way' | 'last-call'): Promise<void>;
  /** Asked after the half-way reminder: how much of the window the last call leaves (0: no last call). */
  lastCallMs(): number;
}

/** Waits for the decision; true when it came within the window, false when the window ran out. */
export async function awaitHumanDecision(task: HumanTask): Promise<boolean> {
  const decided = (ms: number) => condition(task.decided, ms);
  const half = Math.floor(task.windowMs / 2);
  if (await decided(half)) return true;
  await task.remind('half-way');
  const lastCall = task.lastCallMs();
  const rest = task.windowMs - half;
  if (await decided(rest - lastCall)) return true;
  if (lastCall === 0) return false;
  await task.remind('last-call');
  return decided(lastCall);
}
