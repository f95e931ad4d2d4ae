/**
 * One fast test file's stack: a worker per service queue (a prefix of its own) running the real
 * workflows and the fake activities, a client, and a way to place an order. The server is the
 * tier's local test environment (global-setup.ts), or the full run's dev server under `npm test`.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { SERVICES, orderWorkflowId, taskQueueFor, type OrderPolicy } from '../../../src/domain';
import type { orderWorkflow } from '../../../workflows/order';
import { testPolicy } from '../../support/orders';
import { signingInterceptors } from '../../support/decisions';
import { shipmentProgressSignal } from '../../../workflows/order-api';
import { fakeServices, type Fakes, type FakeWorld } from './fake-services';

export const ADDRESS = {
  name: 'Test Buyer',
  line1: '1 Main St',
  line2: undefined,
  city: 'Springfield',
  postalCode: '12345',
  country: 'US' as const,
};

/** The suite's test policy, its carrier driven by hand (the tests send the parcel's events). */
export function fastPolicy(overrides: Partial<OrderPolicy> = {}): OrderPolicy {
  return testPolicy({ sandboxCarrier: false, transitTimeMs: 0, ...overrides });
}

export interface FastStack {
  client: Client;
  fakes: Fakes;
  world: FakeWorld;
  /** Starts an order of these lines for `customerId` (default `cust-1`); its carrier is driven by hand. */
  place(
    items: Array<{ sku: string; quantity: number }>,
    customerId?: string,
  ): Promise<WorkflowHandle<typeof orderWorkflow>>;
  stop(): Promise<void>;
}

export async function startFastStack(world: FakeWorld): Promise<FastStack> {
  const address = process.env.TEMPORAL_ADDRESS;
  const bundle = process.env.WORKFLOW_BUNDLE_PATH;
  if (!address || !bundle) throw new Error('run the fast tier through jest (its global setup starts the server)');
  const prefix = `fast-${randomUUID().slice(0, 8)}-`;
  const client = new Client({ connection: await Connection.connect({ address }), interceptors: signingInterceptors() });
  const fakes = fakeServices(world, (workflowId, progress) =>
    client.workflow.getHandle(workflowId).signal(shipmentProgressSignal, progress),
  );
  const connection = await NativeConnection.connect({ address });
  const workers = await Promise.all(
    SERVICES.map((service) =>
      Worker.create({
        connection,
        taskQueue: taskQueueFor(service, prefix),
        activities: fakes.activities[service],
        ...(service === 'orders' ? { workflowBundle: { codePath: bundle } } : {}),
      }),
    ),
  );
  const running = workers.map((w) => w.run());
  return {
    client,
    fakes,
    world,
    place: (items, customerId = 'cust-1') => {
      const orderId = `ord-${randomUUID().slice(0, 8)}`;
      return client.workflow.start<typeof orderWorkflow>('orderWorkflow', {
        workflowId: orderWorkflowId(orderId),
        taskQueue: taskQueueFor('orders', prefix),
        args: [
          {
            order: {
              orderId,
              customerId,
              items,
              shippingAddress: ADDRESS,
              shippingMethod: 'standard',
              payment: { method: 'card', paymentMethodId: 'pm_fake' },
            },
            settings: { sandboxCarrier: false },
          },
        ],
      });
    },
    async stop() {
      for (const w of workers) w.shutdown();
      await Promise.allSettled(running);
      await connection.close();
      await client.connection.close();
    },
  };
}
