import type { Config } from '../../src/config';
import { parseApprovers, type OrderPolicy } from '../../src/domain';

/**
 * The policy every order of this deployment runs under, from the workers' own configuration.
 * It is read by an activity (not carried in the start request) because whoever places an order
 * controls the request: a placer must not be able to name themselves approver or raise the threshold,
 * nor turn on the sandbox carrier's events, nor stretch the payment window.
 */
export function policyFromConfig(config: Config): OrderPolicy {
  return {
    approvalThresholdCents: config.APPROVAL_THRESHOLD_CENTS,
    approvers: parseApprovers(config.APPROVERS),
    approvalTimeoutMs: config.APPROVAL_TIMEOUT_MS,
    carrierDeadlineMs: config.CARRIER_DEADLINE_MS,
    compensationAlertMs: config.COMPENSATION_ALERT_MS,
    sandboxCarrier: config.SANDBOX_CARRIER === 'on',
    transitTimeMs: config.TRANSIT_TIME_MS,
    paymentWindowMs: config.PAYMENT_WINDOW_MS,
    returnParcelTimeoutMs: config.RETURN_PARCEL_TIMEOUT_MS,
  };
}
