/**
 * `orders watch <orderId>` (and `orders place --wait`): prints each transition as it happens, with
 * a progress line while the order waits, until it reaches Delivered, Cancelled or Refunded.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { isTerminal, orderWorkflowId, type OrderStatus, type OrderView } from '../domain';
import { checkOrderId, describeOrder, readOrder, withContext, type CliContext, type OrderSnapshot } from './context';
import { operational } from './errors';
import { EXIT, formatAge, printJson } from './output';
import { historyLine, orderLine, toStatusJson } from './status';

/** How often the status query is asked while following an order. */
const POLL_MS = 250;
/** How often the run itself is described (to notice a run that ended without a terminal status). */
const DESCRIBE_EVERY_MS = 2_000;
/** Without a terminal (TTY), a progress line after this much silence, then at this interval. */
const FIRST_PROGRESS_MS = 1_000;
const PROGRESS_EVERY_MS = 5_000;

function waitingFor(view: OrderView): string {
  switch (view.status) {
    case 'AwaitingApproval':
      return `waiting for an approver (orders approve ${view.orderId} --by NAME)`;
    case 'Processing':
    case 'Shipped': {
      const parcels = view.shipments.map((s) => `${s.shipmentId} ${s.status}`).join(', ');
      return `waiting for the carrier${parcels ? `: ${parcels}` : ''}`;
    }
    case 'PaymentPending':
      return 'waiting for the payment provider';
    default:
      return 'working';
  }
}

/** A progress line on stderr: rewritten in place on a terminal, printed now and then otherwise. */
class Progress {
  private readonly tty = Boolean(process.stderr.isTTY);
  private shown = false;
  private nextAt = Date.now() + FIRST_PROGRESS_MS;

  /** Something else was printed: clear the line and restart the silence clock. */
  activity(): void {
    this.clear();
    this.nextAt = Date.now() + FIRST_PROGRESS_MS;
  }

  update(text: string): void {
    if (this.tty) {
      process.stderr.write(`\r\x1b[2K${text.slice(0, (process.stderr.columns || 100) - 1)}`);
      this.shown = true;
    } else if (Date.now() >= this.nextAt) {
      process.stderr.write(`${text}\n`);
      this.nextAt = Date.now() + PROGRESS_EVERY_MS;
    }
  }

  clear(): void {
    if (this.tty && this.shown) process.stderr.write('\r\x1b[2K');
    this.shown = false;
  }
}

export interface FollowOptions {
  /** Give up (exit 1) after this long; the order carries on. */
  timeoutMs?: number;
  /** Print nothing while following (--json prints one document at the end). */
  quiet?: boolean;
}

/** Follows the order to a terminal status; resolves with the closed run's final snapshot. */
export async function follow(ctx: CliContext, orderId: string, opts: FollowOptions = {}): Promise<OrderSnapshot> {
  const started = Date.now();
  const progress = opts.quiet ? undefined : new Progress();
  let execution = await describeOrder(ctx.client, orderId);
  let lastDescribe = Date.now();
  let printed = 0;
  const stop = () => {
    progress?.clear();
    process.stderr.write(`\nstopped watching; order ${orderId} carries on (orders status ${orderId})\n`);
    process.exit(130);
  };
  process.once('SIGINT', stop);
  try {
    for (;;) {
      const { view } = await readOrder(ctx.client, orderId, execution);
      if (!opts.quiet) {
        for (const entry of view.history.slice(printed)) {
          progress?.activity();
          console.log(`  ${historyLine(entry)}`);
        }
      }
      printed = view.history.length;
      if (isTerminal(view.status)) {
        progress?.clear();
        return await settle(ctx, orderId, execution);
      }
      if (execution.status.name !== 'RUNNING') {
        throw operational(
          `the workflow of order ${orderId} ended ${execution.status.name} while the order was ${view.status}`,
        );
      }
      const elapsed = Date.now() - started;
      if (opts.timeoutMs !== undefined && elapsed >= opts.timeoutMs) {
        progress?.clear();
        throw operational(
          `order ${orderId} is still ${view.status} after ${formatAge(opts.timeoutMs)}; it carries on (orders watch ${orderId})`,
        );
      }
      const since = view.history.at(-1)?.at;
      const age = since ? formatAge(Date.now() - Date.parse(since)) : formatAge(elapsed);
      progress?.update(`  ... ${view.status} for ${age}: ${waitingFor(view)}`);
      await sleep(POLL_MS);
      if (Date.now() - lastDescribe >= DESCRIBE_EVERY_MS) {
        execution = await describeOrder(ctx.client, orderId);
        lastDescribe = Date.now();
      }
    }
  } finally {
    process.removeListener('SIGINT', stop);
  }
}

/**
 * The status is terminal; the run finishes its last steps (read-model writes) within moments.
 * Waits briefly for it to close so the final snapshot is the run's result.
 */
async function settle(ctx: CliContext, orderId: string, execution: OrderSnapshot['execution']): Promise<OrderSnapshot> {
  const handle = ctx.client.workflow.getHandle(orderWorkflowId(orderId), execution.runId);
  await ctx.client.withDeadline(Date.now() + 10_000, () => handle.result()).catch(() => undefined);
  return readOrder(ctx.client, orderId, await describeOrder(ctx.client, orderId));
}

export function exitCodeFor(status: OrderStatus): number {
  return status === 'Cancelled' || status === 'Refunded' ? EXIT.ORDER_FAILED : EXIT.OK;
}

/** Human header, follow, human or JSON footer; the exit code says how the order ended. */
export async function followAndReport(
  ctx: CliContext,
  orderId: string,
  opts: { json?: boolean; timeoutMs?: number },
): Promise<{ snapshot: OrderSnapshot; exitCode: number }> {
  const snapshot = await follow(ctx, orderId, {
    quiet: opts.json,
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
  });
  if (!opts.json) console.log(orderLine(snapshot.view, ctx.orderUrl(orderId)));
  return { snapshot, exitCode: exitCodeFor(snapshot.view.status) };
}

export async function watch(orderId: string, opts: { json?: boolean; timeoutMs?: number }): Promise<number> {
  checkOrderId(orderId);
  return withContext(async (ctx) => {
    if (!opts.json) console.log(`Watching order ${orderId}  ${ctx.orderUrl(orderId)}`);
    const { snapshot, exitCode } = await followAndReport(ctx, orderId, opts);
    if (opts.json) printJson(toStatusJson(snapshot, ctx.orderUrl(orderId)));
    return exitCode;
  });
}
