import { taskQueueFor, type LoadedPolicy } from '../../src/domain';
import { createDiagnosticsActivities } from '../diagnostics';
import { missing, type ServiceWorker } from '../service-worker';
import { shipmentReachedIn, validateAddress } from '../shipping/activities';
import { createOrderActivities } from './activities';
import { createBackorderActivities } from './backorders';
import { createBenchActivities } from './bench-floor';
import { createChecksActivities } from './checks';
import { createDecisionActivities } from './decisions';
import { claimCancellation } from './store/gate';
import { policyFromConfig } from './policy';
import { currentRuleSet } from './store/rules';

/**
 * The orders service: its worker runs the workflows and the order's own activities (the read
 * model, pricing, the gate, the policy and rules, back-order waitlists, the scheduled checks).
 */
export const ordersWorker: ServiceWorker = {
  service: 'orders',
  runsWorkflows: true,
  activities(deps, config) {
    // Read once when the worker starts, not on every order: the policy is this process's configuration.
    const policy = deps.policy ?? policyFromConfig(config);
    return {
      ...createDiagnosticsActivities(deps.pool),
      ...createOrderActivities(deps.pool, {
        describeWorkflow:
          deps.describeWorkflow ?? missing('describeWorkflow', 'isOrderRunning cannot ask Temporal about orders'),
        listWorkflows: deps.listWorkflows,
        ordersQueue: taskQueueFor('orders', deps.taskQueuePrefix),
        catalog: deps.catalog,
      }),
      // The rules are the deployment's (its TASK_QUEUE_PREFIX is their scope), read at each order's start.
      loadPolicy: async (): Promise<LoadedPolicy> => ({
        ...policy,
        rules: await currentRuleSet(deps.pool, deps.taskQueuePrefix ?? '', policy.approvalThresholdCents),
      }),
      // The shipping service's address check has no I/O: v0.3 orders run it here, as a local activity.
      validateAddress,
      // A milestone report (shipmentProgress) is believed only when the shipments table has it: a read, run here.
      shipmentReached: shipmentReachedIn(deps.pool),
      ...createBenchActivities(deps.pool), // npm run bench's floor workflow (workflows/bench-floor.ts)
      ...createChecksActivities(deps.pool), // the scheduled checks (workflows/checks.ts)
      ...createBackorderActivities(
        deps.waitlists ?? {
          join: missing('waitlists', 'an order short of stock cannot join a back-order waitlist'),
          leave: missing('waitlists', 'an order cannot leave a back-order waitlist'),
          restocked: missing('waitlists', 'a restock cannot reach a waitlist'),
        },
      ),
      claimCancellation: ({ orderId }: { orderId: string }) => claimCancellation(deps.pool, orderId),
      ...createDecisionActivities(config),
    };
  },
  slots: (config) => ({
    maxConcurrentActivityTaskExecutions: config.PG_POOL_SIZE,
    maxConcurrentLocalActivityExecutions: config.PG_POOL_SIZE,
  }),
};
