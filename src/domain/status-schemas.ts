import { z } from 'zod';
import { FAILURE_REASONS, ORDER_STATUSES } from './status';

// Apart from status.ts so that workflows, which use the state machine, never load zod (see deterministic.ts).

export const OrderStatusSchema = z.enum(ORDER_STATUSES);
export const FailureReasonSchema = z.enum(FAILURE_REASONS);
