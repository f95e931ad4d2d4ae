/** The pure rules of returns and goodwill refunds (src/domain/returns.ts, goodwill.ts), and what the customer is sent. */
import {
  DEFAULT_RETURN_RULES,
  notificationsFor,
  totalsOf,
  DEFAULT_SHIPPING_FEES,
  whyNotGoodwill,
  whyNotReturnable,
  type ReturnableLine,
} from '../../src/domain';

const now = Date.parse('2026-12-07T12:00:00Z');
const line = (over: Partial<ReturnableLine> = {}): ReturnableLine => ({
  lineNo: 1,
  sku: 'KB-001',
  productType: 'physical',
  unitPriceCents: 4_999,
  delivered: 2,
  deliveredAt: '2026-12-01T12:00:00Z',
  taken: 0,
  ...over,
});

test('a return: within the window, never more than delivered minus what other returns took', () => {
  const ask = (quantity: number, l = line()) =>
    whyNotReturnable([{ sku: 'KB-001', quantity }], [l], DEFAULT_RETURN_RULES, now);
  expect(ask(2)).toBeUndefined();
  expect(ask(2, line({ taken: 1 }))).toBe('lines: KB-001: 2 asked, but only 1 of 2 delivered may still be returned');
  expect(ask(1, line({ deliveredAt: '2026-10-01T12:00:00Z' }))).toMatch(
    /^lines: KB-001: the 30-day return window ended/,
  );
  expect(ask(1, line({ delivered: 0, deliveredAt: undefined }))).toBe('lines: KB-001 has not been delivered');
  expect(ask(1, line({ productType: 'giftcard' }))).toBe('lines: KB-001 is giftcard, which is not returned (rules)');
  expect(whyNotReturnable([{ sku: 'NOPE', quantity: 1 }], [line()], DEFAULT_RETURN_RULES, now)).toBe(
    'lines: NOPE is not a line of this order',
  );
});

test('a goodwill refund stays within what is left of the payment and of the line', () => {
  const room = {
    currency: 'USD',
    capturedCents: 10_000,
    refundedCents: 2_000,
    line: { sku: 'KB-001', paidCents: 4_999, refundedCents: 4_000 },
  };
  expect(whyNotGoodwill({ amountCents: 999, sku: 'KB-001' }, room)).toBeUndefined();
  expect(whyNotGoodwill({ amountCents: 1_000, sku: 'KB-001' }, room)).toBe(
    'amountCents: 1000 is more than the 999 left of what was paid for KB-001',
  );
  expect(whyNotGoodwill({ amountCents: 8_001 }, room)).toBe(
    "amountCents: 8001 is more than the 8000 left of the order's payment",
  );
  expect(whyNotGoodwill({ amountCents: 1 }, { ...room, capturedCents: 0 })).toBe(
    'orderId: the order has no captured payment to refund',
  );
});

test('the return label reaches the customer in the message ReturnRequested sends', () => {
  const [notice] = notificationsFor({
    eventId: '1',
    type: 'ReturnRequested',
    orderId: 'ord-1',
    occurredAt: '2026-12-07T12:00:00Z',
    payload: { rmaId: 'rma-1', label: 'CR-42', parcelDueAt: '2026-12-21T12:00:00Z' },
  });
  expect(notice).toMatchObject({ kind: 'return-label', recipient: 'customer' });
  expect(notice!.body).toBe(
    'Your return rma-1 of order ord-1: print the label CR-42 and stick it on the parcel. It must reach us by 2026-12-21T12:00:00Z.',
  );
});

test('taking a line out never raises the shipping: under free shipping now, the order keeps what it paid for it', () => {
  const line = (sku: string, cents: number) => ({
    sku,
    name: sku,
    quantity: 1,
    unitPriceCents: cents,
    lineTotalCents: cents,
    productType: 'physical' as const,
  });
  expect(totalsOf([line('A', 4_800)], 'standard', DEFAULT_SHIPPING_FEES, 0)).toEqual({
    subtotalCents: 4_800,
    shippingCents: 0,
    totalCents: 4_800,
  });
  expect(totalsOf([line('A', 4_800)], 'standard', DEFAULT_SHIPPING_FEES, 499).totalCents).toBe(4_800 + 499);
});
