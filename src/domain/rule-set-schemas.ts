import { z } from 'zod';
import type { RuleSet } from './rule-set';

// Apart from rule-set.ts so that workflows, which evaluate the approval rules, never load zod.

const cents = z
  .number({ error: 'must be a number of minor units' })
  .int('must be whole minor units')
  .min(0, 'must not be negative');
const days = z.number().int('must be whole days').min(0, 'must not be negative').max(3650);
const name = z.string().trim().min(1, 'must not be empty').max(100);

export const RuleSetSchema: z.ZodType<RuleSet> = z.strictObject({
  approval: z.strictObject({
    thresholdCents: cents,
    bands: z
      .array(z.strictObject({ fromCents: cents, approvers: z.array(name).max(50) }))
      .max(20)
      .refine(
        (bands) => new Set(bands.map((b) => b.fromCents)).size === bands.length,
        'two bands start at the same amount',
      ),
  }),
  risk: z.strictObject({
    blockedCustomers: z.array(name).max(10_000),
    blockedCustomerPrefixes: z.array(name).max(100),
    blockedCountries: z.array(z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code, e.g. "DE"')).max(300),
    maxOrderCents: cents.nullable(),
    firstOrderMaxCents: cents.nullable(),
    velocity: z
      .strictObject({
        maxOrders: z.number().int().min(1, 'must be at least 1'),
        windowHours: z
          .number()
          .int()
          .min(1, 'must be at least 1')
          .max(24 * 365),
      })
      .nullable(),
  }),
  shipping: z.strictObject({ standardCents: cents, expressCents: cents, freeStandardFromCents: cents }),
  returns: z
    .strictObject({
      windowDays: z.strictObject({
        physical: days,
        preorder: days,
        digital: days,
        giftcard: days,
      }),
      refundShippingWhenAllReturned: z.boolean(),
      goodwillApprovalCents: cents.optional(),
    })
    .optional(),
});
