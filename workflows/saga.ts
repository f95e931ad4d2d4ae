import { CancellationScope, log, sleep } from '@temporalio/workflow';

/** Tells the order about a compensation that takes too long, comes back, or cannot be done. */
export interface CompensationWatch {
  /** How long a compensation may take before people are told (it keeps retrying meanwhile). */
  alertAfterMs: number;
  slow(step: string): void;
  recovered(step: string): void;
  failed(step: string, message: string): void;
}

export interface CompensationReport {
  done: string[];
  failed: Array<{ step: string; message: string }>;
}

/**
 * Compensations, registered before the step they undo (so a step that half-happened is covered)
 * and run last-in-first-out in a non-cancellable scope (a cancelled order must still be undone).
 * Each compensation is an idempotent activity with unlimited retries. One that fails for good
 * (a non-retryable error) is reported and the others still run: skipping them would leave stock
 * held or money taken for a step that could be undone.
 */
export class Saga {
  private readonly steps: Array<{ name: string; undo: () => Promise<unknown> }> = [];

  add(name: string, undo: () => Promise<unknown>): void {
    this.steps.push({ name, undo });
  }

  async compensate(watch?: CompensationWatch): Promise<CompensationReport> {
    const report: CompensationReport = { done: [], failed: [] };
    await CancellationScope.nonCancellable(async () => {
      while (this.steps.length > 0) {
        const step = this.steps.pop()!;
        log.info('compensating', { step: step.name });
        // The alarm lives in a scope of its own so it can be called off once the step is done.
        const alarm = new CancellationScope();
        let slow = false;
        if (watch)
          void alarm
            .run(() => sleep(watch.alertAfterMs))
            .then(() => {
              slow = true;
              watch.slow(step.name);
            })
            .catch(() => undefined);
        try {
          await step.undo();
          report.done.push(step.name);
          if (slow) watch?.recovered(step.name);
        } catch (err) {
          const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
          const message = cause instanceof Error ? cause.message : String(cause);
          log.error('compensation failed for good', { step: step.name, message });
          report.failed.push({ step: step.name, message });
          watch?.failed(step.name, message);
        } finally {
          alarm.cancel();
        }
      }
    });
    return report;
  }
}
