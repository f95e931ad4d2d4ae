/**
 * The fault schedule: a seeded sequence of cycles, each holding every fault kind once in a
 * shuffled order, one fault every `gapMs` (± half, seeded). It runs while orders are in flight and
 * at least until every kind was injected once, so even a small run sees each fault.
 */
import { SERVICES } from '../../src/domain';
import type { Random } from './random';
import type { ChaosStack } from './stack';

export const FAULT_KINDS = ['worker-kill', 'temporal-restart', 'postgres-blackhole', 'postgres-restart'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultPlan {
  /** Mean time between two faults. */
  gapMs: number;
  /** How long PostgreSQL is black-holed (bounded: at most 60 s). */
  blackholeMs: number;
  /** How long a killed worker or a stopped server stays down before it is started again. */
  downMs: [number, number];
}

/** Scales with the run: short faults and gaps for a small run, longer ones (bounded) for a big one. */
export function defaultFaultPlan(orders: number): FaultPlan {
  const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
  return {
    gapMs: clamp(orders * 40, 4_000, 20_000),
    blackholeMs: clamp(orders * 100, 4_000, 60_000),
    downMs: [300, 1_500],
  };
}

export interface FaultEvent {
  kind: FaultKind;
  startedAt: string;
  durationMs: number;
  detail: string;
  error?: string;
}

export class FaultInjector {
  readonly events: FaultEvent[] = [];
  readonly counts: Record<FaultKind, number> = {
    'worker-kill': 0,
    'temporal-restart': 0,
    'postgres-blackhole': 0,
    'postgres-restart': 0,
  };
  /** The fault in progress, for the progress line. */
  current?: FaultKind;
  private queue: FaultKind[] = [];
  private blackholes = 0;

  constructor(
    private readonly stack: ChaosStack,
    private readonly rng: Random,
    private readonly plan: FaultPlan,
    private readonly log: (line: string) => void,
  ) {}

  private next(): FaultKind {
    if (this.queue.length === 0) this.queue = this.rng.shuffle(FAULT_KINDS);
    return this.queue.shift()!;
  }

  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  everyKindInjected(): boolean {
    return FAULT_KINDS.every((k) => this.counts[k] > 0);
  }

  /** Injects one fault and restores the stack; never leaves a part down, even when a step fails. */
  async inject(kind: FaultKind, signal: AbortSignal): Promise<void> {
    const started = Date.now();
    const down = () => this.rng.int(this.plan.downMs[0], this.plan.downMs[1]);
    const event: FaultEvent = { kind, startedAt: new Date(started).toISOString(), durationMs: 0, detail: '' };
    this.current = kind;
    try {
      switch (kind) {
        case 'worker-kill': {
          const service = this.rng.pick(SERVICES);
          const pid = this.stack.workerPid(service);
          const pause = down();
          event.detail = `SIGKILL worker ${service} (pid ${pid ?? 'none'}), restarted after ${pause} ms`;
          await this.stack.killWorker(service);
          await this.sleep(pause, signal);
          this.stack.startWorker(service);
          break;
        }
        case 'temporal-restart': {
          const pause = down();
          event.detail = `dev server stopped, started again after ${pause} ms on the same port and SQLite file`;
          await this.stack.stopTemporal();
          await this.sleep(pause, signal);
          await this.stack.startTemporal();
          break;
        }
        case 'postgres-blackhole': {
          // Alternate the way back: connections resume where they hung, or are cut (clients reconnect).
          const cut = this.blackholes++ % 2 === 1;
          event.detail = `proxy black-holed ${this.plan.blackholeMs} ms, then ${cut ? 'connections cut' : 'resumed'}`;
          this.stack.proxy!.blackhole();
          try {
            await this.sleep(this.plan.blackholeMs, signal);
          } finally {
            if (cut) this.stack.proxy!.cut();
            this.stack.proxy!.pass();
          }
          break;
        }
        case 'postgres-restart': {
          const pause = down();
          event.detail = `PostgreSQL stopped (fast shutdown), started again after ${pause} ms`;
          await this.stack.stopPostgres();
          await this.sleep(pause, signal);
          await this.stack.startPostgres();
          break;
        }
      }
      this.counts[kind]++;
    } catch (err) {
      event.error = err instanceof Error ? err.message : String(err);
      this.log(`fault ${kind} failed: ${event.error}`);
      throw err;
    } finally {
      event.durationMs = Date.now() - started;
      this.events.push(event);
      this.current = undefined;
    }
  }

  /** Runs the schedule while `keepGoing()` or until every kind was injected; stops on abort. */
  async run(keepGoing: () => boolean, signal: AbortSignal): Promise<void> {
    for (;;) {
      await this.sleep(Math.round(this.plan.gapMs * (0.5 + this.rng.next())), signal);
      if (signal.aborted) return;
      if (!keepGoing() && this.everyKindInjected()) return;
      await this.inject(this.next(), signal);
    }
  }
}
