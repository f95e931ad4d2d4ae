/**
 * Services are task queues: each service's activities run on its own queue so it can be scaled
 * and rate-limited on its own. A prefix isolates whole deployments (and test files) from each other.
 */
export const SERVICES = ['orders', 'inventory', 'payments', 'shipping', 'fulfilment', 'returns'] as const;
export type Service = (typeof SERVICES)[number];

export function taskQueueFor(service: Service, prefix = ''): string {
  return `${prefix}${service}`;
}

/** The deployment prefix, read back from the orders queue a workflow runs on. */
export function prefixFromOrdersQueue(ordersQueue: string): string {
  return ordersQueue.endsWith('orders') ? ordersQueue.slice(0, -'orders'.length) : '';
}
