import { ApplicationFailure, TemporalFailure, isCancellation } from '@temporalio/workflow';
import { ERROR_TYPES, FAILURE_REASONS, type FailureReason } from '../src/domain/deterministic';

/** A business refusal raised inside the workflow itself (unknown SKU, rejected approval, ...). */
export const ORDER_REJECTED = 'OrderRejected';

export function rejectOrder(reason: FailureReason, message: string): never {
  throw ApplicationFailure.nonRetryable(message, ORDER_REJECTED, reason);
}

const BY_ERROR_TYPE: Record<string, FailureReason> = {
  [ERROR_TYPES.OutOfStock]: 'out-of-stock',
  [ERROR_TYPES.PaymentDeclined]: 'payment-declined',
  [ERROR_TYPES.AuthorizationExpired]: 'payment-declined',
  [ERROR_TYPES.InvalidAddress]: 'invalid-address',
  [ERROR_TYPES.ShippingUnavailable]: 'shipping-failed',
};

/**
 * The business reason behind a failure, found by walking its cause chain (an activity failure
 * inside a child workflow failure, ...). Undefined for an unexpected failure (a bug, a Try refused
 * because its reservation was already released, a capture of a voided authorization): the order
 * records `internal-error` for those and its run fails loudly after undoing.
 */
export function failureReasonOf(err: unknown): FailureReason | undefined {
  for (const e of applicationFailures(err)) {
    const detail = e.details?.[0];
    if (e.type === ORDER_REJECTED && FAILURE_REASONS.includes(detail as FailureReason)) return detail as FailureReason;
    if (e.type && e.type in BY_ERROR_TYPE) return BY_ERROR_TYPE[e.type];
  }
  return undefined;
}

/** Whether `err` or any failure in its cause chain is an ApplicationFailure of `type`. */
export function hasFailureType(err: unknown, type: string): boolean {
  for (const e of applicationFailures(err)) if (e.type === type) return true;
  return false;
}

/** The details of the first ApplicationFailure of `type` in the cause chain (empty when none). */
export function failureDetails(err: unknown, type: string): unknown[] {
  for (const e of applicationFailures(err)) if (e.type === type) return e.details ?? [];
  return [];
}

/** The message of the first ApplicationFailure of `type` in the cause chain ('' when none). */
export function failureMessage(err: unknown, type: string): string {
  for (const e of applicationFailures(err)) if (e.type === type) return e.message;
  return '';
}

/** The ApplicationFailures in a failure's cause chain, outermost first. */
function* applicationFailures(err: unknown): Generator<ApplicationFailure> {
  for (let e: unknown = err; e instanceof TemporalFailure; e = e.cause) if (e instanceof ApplicationFailure) yield e;
}

export { isCancellation };
