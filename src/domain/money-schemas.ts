import { z } from 'zod';
import { CURRENCY_MESSAGE, CURRENCY_PATTERN } from './money';

// Apart from money.ts so that workflows, which use money() and formatMoney(), never load zod
// (see deterministic.ts).

export const CurrencySchema = z.string().regex(CURRENCY_PATTERN, CURRENCY_MESSAGE);

export const AmountCentsSchema = z
  .number({ error: 'must be a number' })
  // z.int() also bounds to the safe-integer range, beyond which integer arithmetic is inexact.
  .int('must be a safe integer number of cents')
  .min(0, 'must not be negative');

export const MoneySchema = z.strictObject({ amountCents: AmountCentsSchema, currency: CurrencySchema });
