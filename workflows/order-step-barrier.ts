import { ORDER_STEPS, type OrderStep, type ProductType } from '../src/domain/deterministic';

/**
 * Order steps (one reservation, one approval, one payment, one set of parcels) run once for the
 * whole order, however many product types its cart mixes. Each product type's plan runs on its
 * own; at an order step it waits here. The step runs when every type has reached it or passed it
 * by (a type that reaches a later step, or finishes, has passed the earlier ones), for the types
 * that reached it. Plans name order steps in ORDER_STEPS order (planProblems), so no two types can
 * wait for each other.
 */
export class OrderStepBarrier {
  /** Per type: the index in ORDER_STEPS it is waiting at, or has passed up to (ORDER_STEPS.length: done). */
  private readonly position = new Map<ProductType, number>();
  private readonly arrivals = new Map<OrderStep, ProductType[]>();
  private readonly outcomes = new Map<OrderStep, { promise: Promise<void>; settle: (run: Promise<void>) => void }>();
  private next = 0; // the first order step not started yet

  constructor(
    types: readonly ProductType[],
    private readonly runStep: (step: OrderStep, types: ProductType[]) => Promise<void>,
  ) {
    for (const t of types) this.position.set(t, -1);
    for (const step of ORDER_STEPS) {
      let settle!: (run: Promise<void>) => void;
      const promise = new Promise<void>((resolve, reject) => {
        settle = (run) => run.then(resolve, reject);
      });
      promise.catch(() => undefined); // every waiter awaits it; a failure reaches them
      this.outcomes.set(step, { promise, settle });
    }
  }

  /** `type` waits at `step`; resolves once the step has run for the order (or fails with it). */
  arrive(type: ProductType, step: OrderStep): Promise<void> {
    this.position.set(type, ORDER_STEPS.indexOf(step));
    this.arrivals.set(step, [...(this.arrivals.get(step) ?? []), type]);
    this.startReadySteps();
    return this.outcomes.get(step)!.promise;
  }

  /** `type`'s plan is done: it passes every order step it did not reach. */
  finish(type: ProductType): void {
    this.position.set(type, ORDER_STEPS.length);
    this.startReadySteps();
  }

  /**
   * A type's plan (or the checks beside them) failed: no order step starts any more, and every type
   * waiting for one is released with the failure, so the order can undo what ran instead of
   * waiting for a type that will never arrive.
   */
  abort(err: unknown): void {
    for (const step of ORDER_STEPS.slice(this.next)) this.outcomes.get(step)!.settle(Promise.reject(err));
    this.next = ORDER_STEPS.length;
  }

  private startReadySteps(): void {
    while (this.next < ORDER_STEPS.length) {
      const index = this.next;
      if ([...this.position.values()].some((p) => p < index)) return; // someone has not got this far
      const step = ORDER_STEPS[index]!;
      const types = this.arrivals.get(step) ?? [];
      this.next++;
      // Nobody reached it: skipped. Otherwise it runs, and the next step waits for its waiters to move on.
      this.outcomes.get(step)!.settle(types.length > 0 ? this.runStep(step, types) : Promise.resolve());
      if (types.length > 0) return;
    }
  }
}
