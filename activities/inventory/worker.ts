import { createDiagnosticsActivities } from '../diagnostics';
import { poolSlots, type ServiceWorker } from '../service-worker';
import { createInventoryActivities } from './activities';

/** Stock: reservations (try, confirm, cancel), on its own queue. */
export const inventoryWorker: ServiceWorker = {
  service: 'inventory',
  activities: (deps) => ({ ...createDiagnosticsActivities(deps.pool), ...createInventoryActivities(deps.pool) }),
  slots: poolSlots,
};
