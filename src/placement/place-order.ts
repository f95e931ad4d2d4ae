import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { orderWorkflow } from '../../workflows/order';
import type { Config } from '../config';
import {
  OrderInputSchema,
  formatZodError,
  orderWorkflowId,
  taskQueueFor,
  type OrderInput,
  type OrderSettings,
  type OrderWorkflowInput,
} from '../domain';
import { vaultKey, type PaymentMethodVault } from './payment-methods';
import { CustomerIdKey, OrderStatusKey } from '../../workflows/search-attribute-keys';

/** The request is wrong (exit 2): the message names the field and the rule. Nothing was started. */
export class InvalidRequest extends Error {}
/** The order id is taken: the order exists already, and no second one was started. */
export class OrderExists extends Error {
  constructor(readonly orderId: string) {
    super(`order ${orderId} already exists (workflow ${orderWorkflowId(orderId)}); nothing new was started`);
  }
}

/**
 * What a placer says about an order: nothing of the deployment's (the workers decide the carrier,
 * its transit and the payment window), except that SANDBOX_CARRIER=off in the placer's shell asks
 * for delivery by hand (`orders deliver`).
 */
export function settingsFromConfig(config: Config): OrderSettings {
  return config.SANDBOX_CARRIER === 'off' ? { sandboxCarrier: false } : {};
}

/** Validates like the workflow will, so bad input never starts anything. */
export function parseOrderInput(raw: unknown): OrderInput & { orderId: string } {
  const parsed = OrderInputSchema.safeParse(raw);
  if (!parsed.success) throw new InvalidRequest(formatZodError(parsed.error));
  return { ...parsed.data, orderId: parsed.data.orderId ?? `ord-${randomUUID().slice(0, 12)}` };
}

/** The validated order with its card token exchanged at the vault: the workflow's `order` input. */
export async function toWorkflowOrder(raw: unknown, vault: PaymentMethodVault): Promise<OrderWorkflowInput['order']> {
  const { payment, ...rest } = parseOrderInput(raw);
  // Keyed by the order and the card: placing the same order again with the same card gets the same
  // reference, with another card that card's.
  const paymentMethodId = await vault(payment.token, vaultKey(rest.orderId, payment.token));
  return { ...rest, payment: { method: payment.method, paymentMethodId } };
}

export interface PlacedOrder {
  orderId: string;
  workflowId: string;
  runId: string;
}

/**
 * Starts `order-<orderId>`. The id policy refuses a second start for an id ever used, so placing
 * the same order twice can neither start a second workflow nor charge twice. The card token is
 * exchanged at the provider's vault first: the workflow gets the reference, never the token.
 */
export async function placeOrder(
  client: Client,
  raw: unknown,
  opts: {
    settings: OrderSettings;
    taskQueuePrefix?: string;
    vault: PaymentMethodVault;
    /** Who placed it, as the API's credentials proved (a staff user's name): they may not approve it. */
    placedBy?: string;
  },
): Promise<PlacedOrder> {
  const order = await toWorkflowOrder(raw, opts.vault);
  const workflowId = orderWorkflowId(order.orderId);
  try {
    const handle = await client.workflow.start<typeof orderWorkflow>('orderWorkflow', {
      workflowId,
      taskQueue: taskQueueFor('orders', opts.taskQueuePrefix),
      args: [
        {
          order,
          settings: opts.settings,
          ...(opts.placedBy ? { placedBy: opts.placedBy } : {}),
        } satisfies OrderWorkflowInput,
      ],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      workflowIdConflictPolicy: 'FAIL',
      // No PII in search attributes or ids: customer ids are opaque, card tokens never leave the payload.
      typedSearchAttributes: [
        { key: OrderStatusKey, value: 'Created' },
        { key: CustomerIdKey, value: order.customerId },
      ],
      staticSummary: `Order ${order.orderId}: ${order.items.length} line(s) for customer ${order.customerId}`,
    });
    return { orderId: order.orderId, workflowId, runId: handle.firstExecutionRunId };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) throw new OrderExists(order.orderId);
    throw err;
  }
}
