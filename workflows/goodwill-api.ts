/** The goodwill refund workflow's message definitions (the API imports them too). */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { GoodwillDecisionInput, GoodwillView } from '../src/domain/deterministic';

export const goodwillQuery = defineQuery<GoodwillView>('refund');
/** Answers once the refund is settled or waits for an approver: the API starts the refund with it. */
export const goodwillOpenedUpdate = defineUpdate<GoodwillView, []>('opened');
/** An approver's yes or no, signed by the Orders API (approver, admin; never the one who asked). */
export const approveRefundUpdate = defineUpdate<GoodwillView, [GoodwillDecisionInput]>('approve-refund');
export const rejectRefundUpdate = defineUpdate<GoodwillView, [GoodwillDecisionInput]>('reject-refund');
