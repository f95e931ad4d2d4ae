import { CancellationScope, log } from '@temporalio/workflow';

/**
 * Compensations, registered before the step they undo (so a step that half-happened is covered)
 * and run last-in-first-out in a non-cancellable scope (a cancelled order must still be undone).
 * Each compensation is an idempotent activity with unlimited retries: failures are never swallowed.
 */
export class Saga {
  private readonly steps: Array<{ name: string; undo: () => Promise<unknown> }> = [];

  add(name: string, undo: () => Promise<unknown>): void {
    this.steps.push({ name, undo });
  }

  async compensate(): Promise<string[]> {
    const done: string[] = [];
    await CancellationScope.nonCancellable(async () => {
      while (this.steps.length > 0) {
        const step = this.steps.pop()!;
        log.info('compensating', { step: step.name });
        await step.undo();
        done.push(step.name);
      }
    });
    return done;
  }
}
