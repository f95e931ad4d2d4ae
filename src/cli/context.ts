/**
 * What every order command needs: configuration, a connected client, the deployment's task queue
 * and the Web UI link for an order; plus reading an order's view, from a running or a closed run.
 */
import {
  WorkflowNotFoundError,
  isGrpcDeadlineError,
  type Client,
  type WorkflowExecutionDescription,
} from '@temporalio/client';
import { loadConfig, type Config } from '../config';
import { ID_MESSAGE, IdSchema, orderWorkflowId, taskQueueFor, type OrderView } from '../domain';
import { statusQuery } from '../../workflows/order-api';
import { connectClient } from './connect';
import { invalid, operational, orderNotFound } from './errors';
import { uiBase, workflowUrl } from './output';

export interface CliContext {
  config: Config;
  client: Client;
  namespace: string;
  /** The deployment's orders task queue (TASK_QUEUE_PREFIX + 'orders'). */
  ordersQueue: string;
  /** Web UI page of an order's workflow. */
  orderUrl(orderId: string): string;
}

/** Connects, runs `fn`, always closes the connection. */
export async function withContext<T>(fn: (ctx: CliContext) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const client = await connectClient();
  const namespace = client.options.namespace;
  const base = uiBase(config);
  try {
    return await fn({
      config,
      client,
      namespace,
      ordersQueue: taskQueueFor('orders', config.TASK_QUEUE_PREFIX),
      orderUrl: (orderId) => workflowUrl(base, namespace, orderWorkflowId(orderId)),
    });
  } finally {
    await client.connection.close();
  }
}

/** Order ids go into workflow ids and visibility queries: the same rule as the order schema. */
export function checkOrderId(orderId: string): string {
  if (!IdSchema.safeParse(orderId).success) throw invalid(`orderId: ${ID_MESSAGE}`);
  return orderId;
}

/** How long a status query may wait for a worker before we call it an operational problem. */
const QUERY_TIMEOUT_MS = 10_000;

export interface OrderSnapshot {
  view: OrderView;
  execution: WorkflowExecutionDescription;
}

export async function describeOrder(client: Client, orderId: string): Promise<WorkflowExecutionDescription> {
  const handle = client.workflow.getHandle(orderWorkflowId(checkOrderId(orderId)));
  try {
    const execution = await handle.describe();
    if (execution.type !== 'orderWorkflow') throw orderNotFound(orderId);
    return execution;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw orderNotFound(orderId);
    throw err;
  }
}

/**
 * The order's `status` view. A completed run answers from its result (no worker needed); a running
 * (or cancelled/failed) one through the query, which needs a worker on the orders queue.
 */
export async function readOrder(
  client: Client,
  orderId: string,
  execution?: WorkflowExecutionDescription,
): Promise<OrderSnapshot> {
  execution ??= await describeOrder(client, orderId);
  const handle = client.workflow.getHandle(execution.workflowId, execution.runId);
  if (execution.status.name === 'COMPLETED') return { view: (await handle.result()) as OrderView, execution };
  try {
    const view = await client.withDeadline(Date.now() + QUERY_TIMEOUT_MS, () => handle.query(statusQuery));
    return { view, execution };
  } catch (err) {
    if (isGrpcDeadlineError(err)) {
      throw operational(
        `the status query of order ${orderId} got no answer within ${QUERY_TIMEOUT_MS / 1000}s: ` +
          `is a worker polling task queue "${execution.taskQueue}"? (npm start, or npm run worker). ` +
          'A workflow task that keeps failing blocks queries too: see the order in the Web UI.',
      );
    }
    throw err;
  }
}
