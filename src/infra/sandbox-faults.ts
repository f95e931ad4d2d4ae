/**
 * Faults on demand for a sandbox provider (`orders sandbox faults ...`): an error rate, an added
 * latency and an outage window, applied before the provider does anything, so a refused call has
 * changed nothing and its retry (same idempotency key) is safe. Counts what it injected.
 */
import { z } from 'zod';

export const FaultSettingsSchema = z.strictObject({
  /** Share of calls answered 503 (0 to 1). */
  errorRate: z.number().min(0).max(1).optional(),
  /** Added to every call before it is handled. */
  latencyMs: z.number().int().min(0).max(60_000).optional(),
  /** Every call is answered 503 for this long from now. */
  outageMs: z.number().int().min(0).max(3_600_000).optional(),
});
export type FaultSettings = z.infer<typeof FaultSettingsSchema>;

export interface FaultState {
  errorRate: number;
  latencyMs: number;
  outageUntil: string | null;
  injected: { errors: number; outage: number; delayed: number };
}

export class FaultInjector {
  private errorRate = 0;
  private latencyMs = 0;
  private outageUntil = 0;
  private readonly injected = { errors: 0, outage: 0, delayed: 0 };

  constructor(private readonly random: () => number = Math.random) {}

  /** Changes what is given; what is not given stays as it was. */
  set(settings: FaultSettings): FaultState {
    if (settings.errorRate !== undefined) this.errorRate = settings.errorRate;
    if (settings.latencyMs !== undefined) this.latencyMs = settings.latencyMs;
    if (settings.outageMs !== undefined) this.outageUntil = settings.outageMs > 0 ? Date.now() + settings.outageMs : 0;
    return this.state();
  }

  clear(): FaultState {
    this.errorRate = 0;
    this.latencyMs = 0;
    this.outageUntil = 0;
    return this.state();
  }

  state(): FaultState {
    return {
      errorRate: this.errorRate,
      latencyMs: this.latencyMs,
      outageUntil: this.outageUntil > Date.now() ? new Date(this.outageUntil).toISOString() : null,
      injected: { ...this.injected },
    };
  }

  /** Before a call: waits the latency, then answers the fault to inject now, if any. */
  async before(): Promise<'outage' | 'error' | undefined> {
    if (this.latencyMs > 0) {
      this.injected.delayed += 1;
      await new Promise((r) => setTimeout(r, this.latencyMs));
    }
    if (Date.now() < this.outageUntil) {
      this.injected.outage += 1;
      return 'outage';
    }
    if (this.errorRate > 0 && this.random() < this.errorRate) {
      this.injected.errors += 1;
      return 'error';
    }
    return undefined;
  }
}
