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
        {
          sku: 'WIDGET',
          name: 'Widget',
          quantity: 2,
          unitPriceCents: 1999,
          lineTotalCents: 3998,
          productType: 'physical',
        },
        {
          sku: 'GADGET',
          name: 'Gadget',
          quantity: 1,
          unitPriceCents: 500,
          lineTotalCents: 500,
          productType: 'physical',
        },
      ],
      subtotalCents: 4498,
      shippingCents: STANDARD_SHIPPING_CENTS,
      totalCents: 4498 + 499,
    });
  });

  it('is the shape the priceOrder activity contract returns, but for the plans the activity adds', () => {
    const priced = priceOrder([{ sku: 'WIDGET', quantity: 1 }], CATALOG);
    const result: PriceOrderResult = priced.ok ? { ...priced, plans: [] } : priced;
    expect(result.ok).toBe(true);
  });

  it('charges shipping on what travels only: none for licences and gift cards, the physical lines alone decide the fee', () => {
    const catalog = {
      KEY: { name: 'Licence', priceCents: 6_000, currency: 'USD', productType: 'digital' as const },
      CARD: { name: 'Gift card', priceCents: 2_500, currency: 'USD', productType: 'giftcard' as const },
      MUG: { name: 'Mug', priceCents: 1_000, currency: 'USD' },
    };
    expect(
      priceOrder(
        [
          { sku: 'KEY', quantity: 1 },
          { sku: 'CARD', quantity: 1 },
        ],
        catalog,
      ),
    ).toMatchObject({
      ok: true,
      shippingCents: 0,
      totalCents: 8_500,
      lines: [{ productType: 'digital' }, { productType: 'giftcard' }],
    });
    // 70.00 in the cart, but only 10.00 of it ships: below the free-shipping line.
    expect(
      priceOrder(
        [
          { sku: 'KEY', quantity: 1 },
          { sku: 'MUG', quantity: 1 },
        ],
        catalog,
      ),
    ).toMatchObject({
      ok: true,
      shippingCents: STANDARD_SHIPPING_CENTS,
      totalCents: 7_000 + STANDARD_SHIPPING_CENTS,
      lines: [{ productType: 'digital' }, { productType: 'physical' }],
    });
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
