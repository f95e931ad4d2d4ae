/**
 * The return workflow's message definitions (the API imports them too). The carrier's events for
 * the return's parcel arrive as `carrierEvent`, the same signal a shipment workflow hears.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { InspectInput, ReturnView } from '../src/domain/deterministic';

export const returnQuery = defineQuery<ReturnView>('return');
/** The warehouse's verdict, signed by the Orders API (role warehouse or admin); answers once the return is settled. */
export const inspectUpdate = defineUpdate<ReturnView, [InspectInput]>('inspect');
/** Answers once the return is opened (its label issued) or refused: the API starts the return with it. */
export const openedUpdate = defineUpdate<ReturnView, []>('opened');
export { carrierEventSignal } from './order-api';
