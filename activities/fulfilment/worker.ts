import { createDiagnosticsActivities } from '../diagnostics';
import { poolSlots, type ServiceWorker } from '../service-worker';
import { createFulfilmentActivities } from './activities';

/** What needs no parcel: licences and gift codes issued, the customer told. */
export const fulfilmentWorker: ServiceWorker = {
  service: 'fulfilment',
  activities: (deps) => ({ ...createDiagnosticsActivities(deps.pool), ...createFulfilmentActivities(deps.pool) }),
  slots: poolSlots,
};
