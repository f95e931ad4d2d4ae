/**
 * The back-order waitlist's messages (workflows/backorder-waitlist.ts), and the one it sends to an
 * order. The client (restock, tests) and the activities import these too.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { WaitlistEntry, WaitlistView } from '../src/domain/deterministic';

export const joinWaitlistSignal = defineSignal<[WaitlistEntry]>('joinWaitlist');
export const leaveWaitlistSignal = defineSignal<[{ orderId: string }]>('leaveWaitlist');
/** Stock of the SKU went up (`orders catalog upsert`): look and release who now fits. */
export const restockedSignal = defineSignal('restocked');
export const waitlistQuery = defineQuery<WaitlistView>('waitlist');

/** Waitlist → order: your turn, try the reservation again. */
export const backorderReleasedSignal = defineSignal<[{ sku: string }]>('backorderReleased');
