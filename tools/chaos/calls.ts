/**
 * What the chaos driver's parts share: the outcome of an order and of each action on it, the run's
 * context, and calls to Temporal retried while the server restarts, within the run's bound.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { Client } from '@temporalio/client';
import type { PaymentMethodVault } from '../../src/placement/payment-methods';
import type { OrderSettings, OrderStatus, OrderView } from '../../src/domain';
import type { OrderPlan } from './order-mix';

/** A view with `needsAttention` has settled: people, not the run, finish it. */
export type SettledView = OrderView;

export type ActionKind =
  | 'approve'
  | 'reject'
  | 'cancel-update'
  | 'cancel-signal'
  | 'run-cancel'
  | 'terminate'
  | 'reset'
  | 'cancel-lines'
  | 'return'
  | 'goodwill';
export interface ActionOutcome {
  kind: ActionKind;
  /** accepted; refused by the order (expected); skipped (the moment never came); error (could not tell). */
  result: 'accepted' | 'refused' | 'skipped' | 'error';
  /** The order's status when the action was sent. */
  atStatus?: OrderStatus;
  detail?: string;
}

export interface OrderOutcome {
  orderId: string;
  plan: OrderPlan;
  placed: boolean;
  actions: ActionOutcome[];
  /** RUNNING, COMPLETED, CANCELLED, FAILED, TERMINATED, TIMED_OUT, or undefined when never seen. */
  executionStatus?: string;
  view?: SettledView;
  settled: boolean;
  /** When it was placed (ms since the epoch). */
  placedAt?: number;
  /** Terminated by the run on purpose: settled by its recovery (the read model says how). */
  terminated?: boolean;
  error?: string;
}

/** What the read model says of an order (the stranded-run watch settles a terminated one there). */
export interface ReadModelRow {
  status: string;
  attention: string | null;
}

export interface DriveContext {
  client: Client;
  /** Exchanges each order's card token for a payment-method reference before it is placed. */
  vault: PaymentMethodVault;
  settings: OrderSettings;
  taskQueuePrefix: string;
  /** Absolute time (ms) after which nothing is retried or awaited any more. */
  deadline: number;
  /** How long one order may take from its placement; past that it is reported unsettled and let go. */
  orderTimeoutMs: number;
  signal: AbortSignal;
  /** The read model's row of an order (undefined: none), straight from PostgreSQL. */
  readModel: (orderId: string) => Promise<ReadModelRow | undefined>;
  /** Resolves once the SKU added by SQL mid-run can be ordered (orders with `newSku` wait for it). */
  newSkuReady: Promise<void>;
}

export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

class Stopped extends Error {}

export function checkTime(ctx: DriveContext): void {
  if (ctx.signal.aborted) throw new Stopped('run stopped');
  if (Date.now() > ctx.deadline) throw new Stopped('time bound reached');
}

/** Calls `fn` with a per-call deadline, again after transient failures, until the run's bound. */
export async function retrying<T>(
  ctx: DriveContext,
  fn: () => Promise<T>,
  isFinal: (err: unknown) => boolean = () => false,
) {
  for (let attempt = 0; ; attempt++) {
    checkTime(ctx);
    try {
      return await ctx.client.withDeadline(Math.min(Date.now() + 10_000, ctx.deadline), fn);
    } catch (err) {
      if (isFinal(err)) throw err;
      await sleep(Math.min(300 * 2 ** attempt, 2_000), ctx.signal);
    }
  }
}

export const describeError = (err: unknown) =>
  err instanceof WorkflowUpdateFailedError && err.cause ? err.cause.message : String((err as Error)?.message ?? err);
