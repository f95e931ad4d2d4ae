import { loadConfig, sandboxCarrierOptions } from '../../src/config';
import { createDiagnosticsActivities } from '../diagnostics';
import { missing, poolSlots, providerStatus, type ServiceWorker, type WorkerDeps } from '../service-worker';
import { createShippingActivities, type ShippingDeps } from './activities';

/** Parcels: booking with the carrier (default: the sandbox in-process), its events, cancellation. */
export const shippingWorker: ServiceWorker = {
  service: 'shipping',
  activities: (deps) => ({
    ...createDiagnosticsActivities(deps.pool, () => providerStatus('carrier', deps.carrier)),
    ...createShippingActivities(deps.pool, shippingDeps(deps)),
  }),
  slots: poolSlots,
};

export function shippingDeps(deps: WorkerDeps): ShippingDeps {
  return {
    signalShipment:
      deps.signalShipment ?? missing('signalShipment', 'the sandbox carrier cannot reach shipment workflows'),
    publishCarrierEvent: deps.publishCarrierEvent,
    carrier: deps.carrier,
    sandboxCarrier: sandboxCarrierOptions(loadConfig()),
    reportToOrder: deps.reportToOrder ?? missing('reportToOrder', 'bookings and pickups cannot reach their orders'),
    sandboxCarrierRuns: deps.sandboxCarrierRuns,
  };
}
