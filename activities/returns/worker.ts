import { createDiagnosticsActivities } from '../diagnostics';
import { poolSlots, type ServiceWorker } from '../service-worker';
import { createReturnActivities } from './activities';
import { createGoodwillActivities } from './goodwill';

/** Returns (RMA): opened against what the order delivered, followed to refund; its tables are its own. */
export const returnsWorker: ServiceWorker = {
  service: 'returns',
  activities: (deps) => ({
    ...createDiagnosticsActivities(deps.pool),
    ...createReturnActivities(deps.pool),
    ...createGoodwillActivities(deps.pool),
  }),
  slots: poolSlots,
};
