/**
 * Faults on demand for a sandbox provider (`orders sandbox faults ...`): an error rate, an added
 * latency, an outage window and a rate of "not now" answers (429, 408, 409, 425 with Retry-After), applied before the provider does anything, so a refused call has
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
  /** Share of calls answered "not now" (`transientStatus`, with Retry-After), as a busy provider does (0 to 1). */
  transientRate: z.number().min(0).max(1).optional(),
  /** The "not now" answer: 429 Too Many Requests (default), 408, 409 (a request in progress) or 425. */
  transientStatus: z.union([z.literal(408), z.literal(409), z.literal(425), z.literal(429)]).optional(),
  /** Its Retry-After, in whole seconds (default 1). */
  retryAfterS: z.number().int().min(0).max(3_600).optional(),
});
export type FaultSettings = z.infer<typeof FaultSettingsSchema>;

export type TransientStatus = 408 | 409 | 425 | 429;

export interface FaultState {
  errorRate: number;
  latencyMs: number;
  outageUntil: string | null;
  transientRate: number;
  transientStatus: TransientStatus;
  retryAfterS: number;
  injected: { errors: number; outage: number; delayed: number; transient: number };
}

/** The fault to answer now: a 503 (outage, error), or a "not now" status with its Retry-After. */
export type Fault = { kind: 'outage' | 'error' } | { kind: 'transient'; status: TransientStatus; retryAfterS: number };

export class FaultInjector {
  private errorRate = 0;
  private latencyMs = 0;
  private outageUntil = 0;
  private transientRate = 0;
  private transientStatus: TransientStatus = 429;
  private retryAfterS = 1;
  private readonly injected = { errors: 0, outage: 0, delayed: 0, transient: 0 };

  constructor(private readonly random: () => number = Math.random) {}

  /** Changes what is given; what is not given stays as it was. */
  set(settings: FaultSettings): FaultState {
    if (settings.errorRate !== undefined) this.errorRate = settings.errorRate;
    if (settings.latencyMs !== undefined) this.latencyMs = settings.latencyMs;
    if (settings.outageMs !== undefined) this.outageUntil = settings.outageMs > 0 ? Date.now() + settings.outageMs : 0;
    if (settings.transientRate !== undefined) this.transientRate = settings.transientRate;
    if (settings.transientStatus !== undefined) this.transientStatus = settings.transientStatus;
    if (settings.retryAfterS !== undefined) this.retryAfterS = settings.retryAfterS;
    return this.state();
  }

  clear(): FaultState {
    this.errorRate = 0;
    this.latencyMs = 0;
    this.outageUntil = 0;
    this.transientRate = 0;
    this.transientStatus = 429;
    this.retryAfterS = 1;
    return this.state();
  }

  state(): FaultState {
    return {
      errorRate: this.errorRate,
      latencyMs: this.latencyMs,
      outageUntil: this.outageUntil > Date.now() ? new Date(this.outageUntil).toISOString() : null,
      transientRate: this.transientRate,
      transientStatus: this.transientStatus,
      retryAfterS: this.retryAfterS,
      injected: { ...this.injected },
    };
  }

  /** Before a call: waits the latency, then answers the fault to inject now, if any. */
  async before(): Promise<Fault | undefined> {
    if (this.latencyMs > 0) {
      this.injected.delayed += 1;
      await new Promise((r) => setTimeout(r, this.latencyMs));
    }
    if (Date.now() < this.outageUntil) {
      this.injected.outage += 1;
      return { kind: 'outage' };
    }
    if (this.errorRate > 0 && this.random() < this.errorRate) {
      this.injected.errors += 1;
      return { kind: 'error' };
    }
    if (this.transientRate > 0 && this.random() < this.transientRate) {
      this.injected.transient += 1;
      return { kind: 'transient', status: this.transientStatus, retryAfterS: this.retryAfterS };
    }
    return undefined;
  }
}
