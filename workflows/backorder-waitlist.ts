import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { releasable, type WaitlistEntry, type WaitlistInput } from '../src/domain/deterministic';
import { waitlistServices } from './activity-proxies';
import {
  backorderReleasedSignal,
  joinWaitlistSignal,
  leaveWaitlistSignal,
  restockedSignal,
  waitlistQuery,
} from './backorder-api';

/** Signals carry whatever JSON someone sent (`temporal workflow signal`): only a whole entry joins. */
function isEntry(e: unknown): e is WaitlistEntry {
  const x = e as Partial<WaitlistEntry> | undefined;
  return (
    typeof x?.orderId === 'string' &&
    typeof x.orderWorkflowId === 'string' &&
    typeof x.joinedAt === 'string' &&
    Number.isSafeInteger(x.quantity) &&
    x.quantity! > 0
  );
}

/**
 * A long-running entity, one per SKU (`backorder-<sku>`): the orders waiting for the SKU, first come
 * first served. A restock signal (or, while someone waits, a periodic recheck) asks how many units
 * are free and releases the orders at the head of the queue that fit; each then retries its
 * reservation (and joins again at the back if someone else took the units first).
 *
 * Its history would grow without end, so it continues as new when the server suggests it (or at
 * `historyLimit` events), carrying the queue, after every signal handler has finished.
 */
export async function backorderWaitlistWorkflow(input: WaitlistInput): Promise<void> {
  const waiting: WaitlistEntry[] = [...input.waiting];
  const generation = input.generation ?? 1;
  const stock = waitlistServices();
  let released = 0;
  let restocked = false;

  setHandler(joinWaitlistSignal, (entry) => {
    if (isEntry(entry) && !waiting.some((w) => w.orderId === entry.orderId)) waiting.push(entry);
  });
  setHandler(leaveWaitlistSignal, (message) => {
    const at = waiting.findIndex((w) => w.orderId === message?.orderId);
    if (at >= 0) waiting.splice(at, 1);
  });
  setHandler(restockedSignal, () => {
    restocked = true;
  });
  setHandler(waitlistQuery, () => ({ sku: input.sku, waiting, released, generation }));

  const historyFull = () => {
    const info = workflowInfo();
    return (
      info.continueAsNewSuggested || (input.historyLimit !== undefined && info.historyLength >= input.historyLimit)
    );
  };
  const woken = () => restocked || historyFull();

  while (!historyFull()) {
    if (waiting.length > 0) await condition(woken, input.recheckMs);
    else await condition(woken);
    if (historyFull()) break;
    restocked = false;
    if (waiting.length === 0) continue;
    const { available } = await stock.availableStock({ sku: input.sku });
    for (const entry of releasable(waiting, available)) {
      waiting.splice(waiting.indexOf(entry), 1);
      released += 1;
      // An order that is gone (expired, cancelled) cannot be told: it has left anyway.
      await getExternalWorkflowHandle(entry.orderWorkflowId)
        .signal(backorderReleasedSignal, { sku: input.sku })
        .catch(() => undefined);
    }
  }
  await condition(allHandlersFinished);
  await continueAsNew<typeof backorderWaitlistWorkflow>({ ...input, waiting, generation: generation + 1 });
}
