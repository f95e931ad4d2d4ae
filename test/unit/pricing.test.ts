import {
  EXPRESS_SHIPPING_CENTS,
  FREE_STANDARD_SHIPPING_FROM_CENTS,
  STANDARD_SHIPPING_CENTS,
  priceOrder,
  shippingFeeCents,
  type Catalog,
  type PriceOrderResult,
} from '../../src/domain';

const CATALOG: Catalog = {
  WIDGET: { name: 'Widget', priceCents: 1999, currency: 'USD' },
  GADGET: { name: 'Gadget', priceCents: 500, currency: 'USD' },
  CHEAP: { name: 'Cheap thing', priceCents: 1, currency: 'USD' },
  EURO: { name: 'Euro thing', priceCents: 1000, currency: 'EUR' },
  BROKEN: { name: 'Bad price', priceCents: 9.99, currency: 'USD' },
};

describe('priceOrder', () => {
  it('prices lines, subtotal, shipping and total', () => {
    const result = priceOrder(
      [
        { sku: 'WIDGET', quantity: 2 },
        { sku: 'GADGET', quantity: 1 },
      ],
      CATALOG,
      'standard',
    );
    expect(result).toEqual({
      ok: true,
      currency: 'USD',
      lines: [
        { sku: 'WIDGET', name: 'Widget', quantity: 2, unitPriceCents: 1999, lineTotalCents: 3998 },
        { sku: 'GADGET', name: 'Gadget', quantity: 1, unitPriceCents: 500, lineTotalCents: 500 },
      ],
      subtotalCents: 4498,
      shippingCents: STANDARD_SHIPPING_CENTS,
      totalCents: 4498 + 499,
    });
  });

  it('is the shape the priceOrder activity contract returns', () => {
    const result: PriceOrderResult = priceOrder([{ sku: 'WIDGET', quantity: 1 }], CATALOG);
    expect(result.ok).toBe(true);
  });

  it('defaults to standard shipping', () => {
    const result = priceOrder([{ sku: 'CHEAP', quantity: 1 }], CATALOG);
    expect(result).toMatchObject({ ok: true, subtotalCents: 1, shippingCents: 499, totalCents: 500 });
  });

  it('makes standard shipping free from 50.00, inclusive', () => {
    expect(priceOrder([{ sku: 'GADGET', quantity: 10 }], CATALOG, 'standard')).toMatchObject({
      subtotalCents: 5000,
      shippingCents: 0,
      totalCents: 5000,
    });
    expect(
      priceOrder(
        [
          { sku: 'GADGET', quantity: 9 },
          { sku: 'CHEAP', quantity: 499 },
        ],
        CATALOG,
      ),
    ).toMatchObject({ shippingCents: 499 });
  });

  it('always charges for express', () => {
    expect(priceOrder([{ sku: 'GADGET', quantity: 10 }], CATALOG, 'express')).toMatchObject({
      subtotalCents: 5000,
      shippingCents: 1499,
      totalCents: 6499,
    });
  });

  it('reports every unknown sku once, ignoring prototype members', () => {
    const result = priceOrder(
      [
        { sku: 'NOPE', quantity: 1 },
        { sku: 'WIDGET', quantity: 1 },
        { sku: 'constructor', quantity: 1 },
        { sku: '__proto__', quantity: 1 },
        { sku: 'NOPE', quantity: 2 },
      ],
      CATALOG,
    );
    expect(result).toEqual({ ok: false, reason: 'unknown-sku', skus: ['NOPE', 'constructor', '__proto__'] });
  });

  it('refuses mixed currencies, naming the odd ones out', () => {
    const result = priceOrder(
      [
        { sku: 'WIDGET', quantity: 1 },
        { sku: 'EURO', quantity: 1 },
      ],
      CATALOG,
    );
    expect(result).toEqual({ ok: false, reason: 'mixed-currency', skus: ['EURO'] });
  });

  it('prices in the catalog currency', () => {
    expect(priceOrder([{ sku: 'EURO', quantity: 3 }], CATALOG)).toMatchObject({
      ok: true,
      currency: 'EUR',
      subtotalCents: 3000,
    });
  });

  it('throws on programming errors: empty items or a malformed catalog price', () => {
    expect(() => priceOrder([], CATALOG)).toThrow(RangeError);
    expect(() => priceOrder([{ sku: 'BROKEN', quantity: 1 }], CATALOG)).toThrow(RangeError);
  });

  it('does not mutate its inputs', () => {
    const items = Object.freeze([Object.freeze({ sku: 'WIDGET', quantity: 1 })]);
    const catalog = Object.freeze({ ...CATALOG });
    expect(() => priceOrder(items, catalog, 'express')).not.toThrow();
  });
});

describe('shippingFeeCents', () => {
  it.each<['standard' | 'express', number, number]>([
    ['standard', 0, STANDARD_SHIPPING_CENTS],
    ['standard', FREE_STANDARD_SHIPPING_FROM_CENTS - 1, STANDARD_SHIPPING_CENTS],
    ['standard', FREE_STANDARD_SHIPPING_FROM_CENTS, 0],
    ['express', 0, EXPRESS_SHIPPING_CENTS],
    ['express', 1_000_000, EXPRESS_SHIPPING_CENTS],
  ])('%s at %p cents costs %p', (method, subtotal, fee) => {
    expect(shippingFeeCents(method, subtotal)).toBe(fee);
  });
});
