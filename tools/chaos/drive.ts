/**
 * Drives one planned order through the running stack: place it, act on it as its plan says
 * (approve / reject / leave the approval to time out, cancel at its moment and in its way), then
 * wait until it has settled. Every call to Temporal is retried while the server restarts; a
 * refused cancel or approval is an expected outcome, recorded, never an error.
 */
import {
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateStage,
  type WorkflowHandle,
} from '@temporalio/client';
import { InvalidRequest, OrderExists, placeOrder } from '../../src/placement/place-order';
import { TERMINAL_STATUSES, isCarrierEvent, orderWorkflowId, type OrderStatus } from '../../src/domain';
import {
  approveUpdate,
  cancelLinesUpdate,
  cancelSignal,
  cancelUpdate,
  rejectUpdate,
  statusQuery,
} from '../../workflows/order-api';
import { afterDeliveryAction } from './after-delivery';
import {
  checkTime,
  describeError,
  retrying,
  sleep,
  type ActionKind,
  type ActionOutcome,
  type DriveContext,
  type OrderOutcome,
  type SettledView,
} from './calls';
import { orderRequest, type OrderPlan } from './order-mix';

export type { ActionKind, ActionOutcome, DriveContext, OrderOutcome, ReadModelRow, SettledView } from './calls';

async function queryView(ctx: DriveContext, handle: WorkflowHandle): Promise<SettledView> {
  return retrying(ctx, () => handle.query(statusQuery));
}

const isSettledView = (v: SettledView) => TERMINAL_STATUSES.includes(v.status) || v.needsAttention !== undefined;

/** Waits until the view satisfies `predicate`; undefined when the order settled first. */
async function waitForStatus(
  ctx: DriveContext,
  handle: WorkflowHandle,
  predicate: (v: SettledView) => boolean,
): Promise<SettledView | undefined> {
  for (;;) {
    const view = await queryView(ctx, handle);
    if (predicate(view)) return view;
    if (isSettledView(view)) return undefined;
    await sleep(150, ctx.signal);
  }
}

/** Sends an Update; the order's yes or no, without waiting for a cancel to finish compensating. */
async function sendUpdate(
  ctx: DriveContext,
  handle: WorkflowHandle,
  kind: 'approve' | 'reject' | 'cancel-update' | 'cancel-lines',
  atStatus: OrderStatus,
  orderId: string,
): Promise<ActionOutcome> {
  const updateId = `${kind}-${orderId}`; // retries after a server restart are the same Update
  try {
    const update = await retrying(
      ctx,
      () =>
        kind === 'approve'
          ? handle.startUpdate(approveUpdate, {
              args: [{ by: 'alice', note: 'chaos run' }],
              updateId,
              waitForStage: WorkflowUpdateStage.ACCEPTED,
            })
          : kind === 'reject'
            ? handle.startUpdate(rejectUpdate, {
                args: [{ by: 'alice', reason: 'chaos run: rejected' }],
                updateId,
                waitForStage: WorkflowUpdateStage.ACCEPTED,
              })
            : kind === 'cancel-lines'
              ? handle.startUpdate(cancelLinesUpdate, {
                  args: [{ skus: ['CHAOS-PEN'], reason: 'chaos run: no pens after all' }],
                  updateId,
                  waitForStage: WorkflowUpdateStage.ACCEPTED,
                })
              : handle.startUpdate(cancelUpdate, {
                  args: [{ reason: 'chaos run: customer changed their mind', onBehalfOf: 'customer' }],
                  updateId,
                  waitForStage: WorkflowUpdateStage.ACCEPTED,
                }),
      // A closed run answers NotFound ("workflow execution already completed"): no retry changes that.
      (err) => err instanceof WorkflowUpdateFailedError || err instanceof WorkflowNotFoundError,
    );
    // A refused Update carries its outcome at once; an accepted cancel completes only when the
    // order has been compensated, which the settle wait below observes.
    const outcome = await Promise.race([
      update.result().then(
        () => 'accepted' as const,
        (err: unknown) => (err instanceof WorkflowUpdateFailedError ? err : ('accepted' as const)),
      ),
      sleep(1_000).then(() => 'accepted' as const),
    ]);
    if (outcome === 'accepted') return { kind, result: 'accepted', atStatus };
    return { kind, result: 'refused', atStatus, detail: describeError(outcome) };
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError)
      return { kind, result: 'refused', atStatus, detail: describeError(err) };
    // The order settled between the look at its status and the Update (a random delay's cancel).
    if (err instanceof WorkflowNotFoundError)
      return { kind, result: 'skipped', atStatus, detail: 'the run had closed' };
    return { kind, result: 'error', atStatus, detail: describeError(err) };
  }
}

async function approvalAction(ctx: DriveContext, handle: WorkflowHandle, plan: OrderPlan): Promise<ActionOutcome[]> {
  if (!plan.approval || plan.approval === 'timeout') return [];
  const kind = plan.approval;
  const view = await waitForStatus(ctx, handle, (v) => v.status === 'AwaitingApproval');
  if (!view) return [{ kind, result: 'skipped', detail: 'settled before AwaitingApproval' }];
  // Pens taken out while it waits: the approval then pays for what is left.
  const trimmed = plan.trim ? [await sendUpdate(ctx, handle, 'cancel-lines', view.status, plan.orderId)] : [];
  return [...trimmed, await sendUpdate(ctx, handle, kind, view.status, plan.orderId)];
}

const AFTER_PICKUP: readonly OrderStatus[] = ['Processing', 'Shipped'];

async function cancelAction(ctx: DriveContext, handle: WorkflowHandle, plan: OrderPlan): Promise<ActionOutcome[]> {
  if (!plan.cancel) return [];
  const kind: ActionKind = plan.cancel.how === 'update' ? 'cancel-update' : 'run-cancel';
  let view: SettledView | undefined;
  switch (plan.cancel.when) {
    case 'after-placement':
      view = await queryView(ctx, handle).catch(() => undefined);
      break;
    case 'random':
      await sleep(plan.cancel.delayMs, ctx.signal);
      view = await queryView(ctx, handle);
      break;
    case 'mid-payment':
      view = await waitForStatus(ctx, handle, (v) => v.status === 'PaymentPending');
      break;
    case 'after-pickup':
      // Processing with a parcel picked up, or Shipped: the carrier has the goods.
      view = await waitForStatus(
        ctx,
        handle,
        (v) => AFTER_PICKUP.includes(v.status) && v.shipments.some((s) => isCarrierEvent(s.status)),
      );
      break;
  }
  if (plan.cancel.when !== 'after-placement' && !view)
    return [{ kind, result: 'skipped', detail: `settled before ${plan.cancel.when}` }];
  const atStatus = view?.status ?? 'Created';
  if (kind === 'cancel-update') return [await sendUpdate(ctx, handle, kind, atStatus, plan.orderId)];
  const how: ActionKind = plan.cancel.how === 'signal' ? 'cancel-signal' : kind;
  try {
    // A Signal's refusal is written into the order's history, not answered: sent is all we know.
    await retrying(
      ctx,
      () =>
        how === 'cancel-signal'
          ? handle.signal(cancelSignal, { reason: 'chaos run: cancelled by signal' })
          : handle.cancel().then(() => undefined),
      (err) => err instanceof WorkflowNotFoundError,
    );
    return [{ kind: how, result: 'accepted', atStatus }];
  } catch (err) {
    if (err instanceof WorkflowNotFoundError)
      return [{ kind: how, result: 'skipped', atStatus, detail: 'the run had closed' }];
    return [{ kind: how, result: 'error', atStatus, detail: describeError(err) }];
  }
}

/**
 * An operator's reset (`temporal workflow reset`) while a big order waits for approval: back to its
 * first workflow task, so the new run prices, reserves and asks for approval again (idempotently:
 * one claim, one reservation); then it is approved and must go on as if nothing happened.
 */
async function resetAction(ctx: DriveContext, handle: WorkflowHandle, plan: OrderPlan): Promise<ActionOutcome[]> {
  if (!plan.reset) return [];
  const waiting = await waitForStatus(ctx, handle, (v) => v.status === 'AwaitingApproval');
  if (!waiting) return [{ kind: 'reset', result: 'skipped', detail: 'settled before AwaitingApproval' }];
  let reset: ActionOutcome;
  try {
    const { events } = await retrying(ctx, () => handle.fetchHistory());
    const firstTask = (events ?? []).find((e) => e.workflowTaskCompletedEventAttributes);
    await retrying(ctx, () =>
      ctx.client.workflowService.resetWorkflowExecution({
        namespace: ctx.client.options.namespace,
        workflowExecution: { workflowId: handle.workflowId },
        workflowTaskFinishEventId: firstTask!.eventId,
        reason: 'chaos run: an operator reset the order',
        requestId: `reset-${plan.orderId}`, // a retry is the same reset
      }),
    );
    reset = { kind: 'reset', result: 'accepted', atStatus: waiting.status };
  } catch (err) {
    return [{ kind: 'reset', result: 'error', atStatus: waiting.status, detail: describeError(err) }];
  }
  // The new run (the handle follows the latest) asks again; then it is approved.
  const again = await waitForStatus(ctx, handle, (v) => v.status === 'AwaitingApproval');
  if (!again) return [reset, { kind: 'approve', result: 'skipped', detail: 'settled before AwaitingApproval' }];
  return [reset, await sendUpdate(ctx, handle, 'approve', again.status, plan.orderId)];
}

const PRICED: (v: SettledView) => boolean = (v) => v.status !== 'Created';

/** An operator's terminate at its moment: the run stops dead, the stranded-run watch must settle the order. */
async function terminateAction(ctx: DriveContext, handle: WorkflowHandle, plan: OrderPlan): Promise<ActionOutcome[]> {
  if (!plan.terminate) return [];
  const { when, delayMs } = plan.terminate;
  const view = await waitForStatus(ctx, handle, (v) =>
    when === 'after-pickup'
      ? AFTER_PICKUP.includes(v.status) && v.shipments.some((s) => isCarrierEvent(s.status))
      : when === 'after-capture'
        ? AFTER_PICKUP.includes(v.status)
        : PRICED(v),
  );
  if (!view) return [{ kind: 'terminate', result: 'skipped', detail: `settled before ${when}` }];
  if (delayMs > 0) await sleep(delayMs, ctx.signal);
  try {
    await retrying(
      ctx,
      () => handle.terminate('chaos run: an operator pulled the plug'),
      (err) => err instanceof WorkflowNotFoundError,
    );
    return [{ kind: 'terminate', result: 'accepted', atStatus: view.status }];
  } catch (err) {
    if (err instanceof WorkflowNotFoundError)
      return [{ kind: 'terminate', result: 'skipped', atStatus: view.status, detail: 'the run had closed' }];
    return [{ kind: 'terminate', result: 'error', atStatus: view.status, detail: describeError(err) }];
  }
}

/** A terminated order has settled once its recovery made the read model terminal, or flagged it. */
async function settleTerminated(ctx: DriveContext, outcome: OrderOutcome): Promise<void> {
  for (;;) {
    checkTime(ctx);
    const row = await ctx.readModel(outcome.orderId).catch(() => undefined);
    if (row && (TERMINAL_STATUSES.includes(row.status as OrderStatus) || row.attention)) {
      outcome.settled = true;
      outcome.view = undefined; // the terminated run's view is where it stopped; the read model has the end
      return;
    }
    await sleep(1_000, ctx.signal);
  }
}

/** Settled: the run has closed, or the view says NeedsAttention. */
async function settle(ctx: DriveContext, handle: WorkflowHandle, outcome: OrderOutcome): Promise<void> {
  for (;;) {
    checkTime(ctx);
    try {
      const description = await ctx.client.withDeadline(Date.now() + 10_000, () => handle.describe());
      outcome.executionStatus = description.status.name;
      if (description.status.name === 'TERMINATED' && outcome.terminated) return settleTerminated(ctx, outcome);
      if (description.status.name !== 'RUNNING') {
        // The final view: a completed run's result is in its history; any other closed run is
        // asked by replay (a worker must be up). Never the last view seen while it ran: that is
        // stale. Not obtainable in time: undefined, and the read model answers instead.
        outcome.settled = true;
        outcome.view = undefined;
        outcome.view = await retrying(ctx, () =>
          description.status.name === 'COMPLETED'
            ? (handle.result() as Promise<SettledView>)
            : handle.query(statusQuery),
        ).catch(() => undefined);
        return;
      }
      const view: SettledView = await ctx.client.withDeadline(Date.now() + 10_000, () => handle.query(statusQuery));
      outcome.view = view;
      if (view.needsAttention) {
        outcome.settled = true;
        return;
      }
    } catch {
      // the server or the orders worker is down for a moment
    }
    await sleep(1_000, ctx.signal);
  }
}

export async function driveOrder(runCtx: DriveContext, plan: OrderPlan): Promise<OrderOutcome> {
  const outcome: OrderOutcome = { orderId: plan.orderId, plan, placed: false, actions: [], settled: false };
  // A stuck order frees its slot after its own bound instead of stalling the whole run.
  const ctx = { ...runCtx, deadline: Math.min(runCtx.deadline, Date.now() + runCtx.orderTimeoutMs) };
  try {
    if (plan.newSku) await ctx.newSkuReady;
    outcome.placedAt = Date.now();
    const { workflowId } = await retrying(
      ctx,
      () =>
        placeOrder(ctx.client, orderRequest(plan), {
          settings: ctx.settings,
          taskQueuePrefix: ctx.taskQueuePrefix,
          vault: ctx.vault,
        }).catch((err: unknown) => {
          // A retry after a lost answer: the first attempt did start it.
          if (err instanceof OrderExists) return { workflowId: orderWorkflowId(plan.orderId) };
          throw err;
        }),
      (err) => err instanceof InvalidRequest, // a bug in the plan: retrying cannot help
    );
    outcome.placed = true;
    const handle = ctx.client.workflow.getHandle(workflowId);
    const [approvals, cancels, terminations, resets] = await Promise.all([
      approvalAction(ctx, handle, plan),
      cancelAction(ctx, handle, plan),
      terminateAction(ctx, handle, plan),
      resetAction(ctx, handle, plan),
    ]);
    outcome.actions.push(...approvals, ...cancels, ...terminations, ...resets);
    outcome.terminated = terminations.some((a) => a.result === 'accepted');
    await settle(ctx, handle, outcome);
    outcome.actions.push(...(await afterDeliveryAction(ctx, plan, outcome.view)));
  } catch (err) {
    outcome.error = err instanceof Error ? err.message : String(err);
  }
  return outcome;
}
