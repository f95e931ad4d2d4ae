/**
 * A fault injector whose dice are loaded: its "random" draws walk 0.05, 0.15, …, 0.95 and start over,
 * so an error rate r refuses exactly r of every ten calls. A test of "30% of calls fail" then always
 * has failures to survive, instead of none in a lucky run.
 */
import { FaultInjector } from '../../src/providers/sandbox/faults';

export function evenlySpreadFaults(): FaultInjector {
  let draw = 0;
  return new FaultInjector(() => ((draw++ % 10) + 0.5) / 10);
}
