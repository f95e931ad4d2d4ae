import { OrderInputSchema, formatZodError, type OrderInput } from '../../src/domain';

const VALID = {
  customerId: 'cust-42',
  items: [
    { sku: 'WIDGET-1', quantity: 2 },
    { sku: 'gadget_2', quantity: 1 },
  ],
  shippingAddress: {
    name: 'Ada Lovelace',
    line1: '12 St James Square',
    city: 'London',
    postalCode: 'SW1Y 4JH',
    country: 'GB',
  },
  payment: { method: 'card', token: 'tok_visa_4242' },
};

type Json = Record<string, unknown>;
const address = (patch: Json) => ({ ...VALID, shippingAddress: { ...VALID.shippingAddress, ...patch } });
const payment = (patch: Json) => ({ ...VALID, payment: { ...VALID.payment, ...patch } });
const item = (patch: Json) => ({ ...VALID, items: [{ ...VALID.items[0], ...patch }] });
const without = (key: string, obj: Json = VALID): Json =>
  Object.fromEntries(Object.entries(obj).filter(([k]) => k !== key));

function errorOf(input: unknown): string {
  const result = OrderInputSchema.safeParse(input);
  if (result.success) throw new Error(`expected rejection, got ${JSON.stringify(result.data)}`);
  return formatZodError(result.error);
}

describe('OrderInputSchema accepts', () => {
  it('a minimal order, defaulting the shipping method', () => {
    const parsed: OrderInput = OrderInputSchema.parse(VALID);
    expect(parsed.shippingMethod).toBe('standard');
    expect(parsed.orderId).toBeUndefined();
    expect(parsed.items).toEqual(VALID.items);
  });

  it('a full order, trimming address text', () => {
    const parsed = OrderInputSchema.parse({
      ...address({ name: '  Ada  ', line2: ' Flat 3 ', city: ' London\n', country: 'GB' }),
      orderId: 'ord_2024-0001',
      shippingMethod: 'express',
    });
    expect(parsed.orderId).toBe('ord_2024-0001');
    expect(parsed.shippingMethod).toBe('express');
    expect(parsed.shippingAddress).toMatchObject({ name: 'Ada', line2: 'Flat 3', city: 'London' });
  });

  it.each([
    [
      'boundary quantities',
      {
        ...VALID,
        items: [
          { sku: 'A', quantity: 1 },
          { sku: 'B', quantity: 1000 },
        ],
      },
    ],
    ['100 distinct items', { ...VALID, items: Array.from({ length: 100 }, (_, i) => ({ sku: `S${i}`, quantity: 1 })) }],
    ['a 64-char id', { ...VALID, customerId: 'c'.repeat(64) }],
    ['a 64-char sku', item({ sku: 'S'.repeat(64) })],
    ['a blank line2 (dropped)', address({ line2: '   ' })],
    ['non-Latin names', address({ name: 'Zoë Ñúñez 山田太郎', city: 'São Paulo' })],
    ['a short all-digit token', payment({ token: '123456789012' })],
    ['a 128-char token', payment({ token: 't'.repeat(128) })],
    ['every country code shape', address({ country: 'AX' })],
  ])('%s', (_label, input) => {
    expect(OrderInputSchema.safeParse(input).success).toBe(true);
  });

  it('an SQL-looking name in free text (it is data, parameterised later)', () => {
    expect(OrderInputSchema.safeParse(address({ name: "O'Brien; DROP TABLE orders;--" })).success).toBe(true);
  });
});

describe('OrderInputSchema rejects, naming the field', () => {
  const PAN_MESSAGE = 'raw card numbers are not accepted';
  const QTY = 'items.0.quantity: must be an integer between 1 and 1000';

  it.each<[string, unknown, string]>([
    // shape
    ['null input', null, 'input: must be an object'],
    ['an array input', [VALID], 'input: must be an object'],
    ['missing customerId', without('customerId'), 'customerId: is required'],
    ['missing items', without('items'), 'items: is required'],
    ['missing shippingAddress', without('shippingAddress'), 'shippingAddress: is required'],
    ['missing payment', without('payment'), 'payment: is required'],
    [
      'missing address city',
      { ...VALID, shippingAddress: without('city', VALID.shippingAddress) },
      'shippingAddress.city: is required',
    ],
    ['missing item sku', { ...VALID, items: [{ quantity: 1 }] }, 'items.0.sku: is required'],
    ['missing item quantity', { ...VALID, items: [{ sku: 'A' }] }, 'items.0.quantity: is required'],
    ['missing payment token', { ...VALID, payment: { method: 'card' } }, 'payment.token: is required'],
    // wrong types
    ['numeric customerId', { ...VALID, customerId: 42 }, 'customerId: must be a string'],
    ['items as object', { ...VALID, items: { sku: 'A', quantity: 1 } }, 'items: must be an array of items'],
    ['item as string', { ...VALID, items: ['A'] }, 'items.0: must be an object'],
    ['string quantity', item({ quantity: '2' }), QTY],
    ['address as string', { ...VALID, shippingAddress: '1 Main St' }, 'shippingAddress: must be an object'],
    ['numeric postal code', address({ postalCode: 12345 }), 'shippingAddress.postalCode: must be a string'],
    // quantities
    ['zero quantity', item({ quantity: 0 }), QTY],
    ['negative quantity', item({ quantity: -3 }), QTY],
    ['huge quantity', item({ quantity: 1001 }), QTY],
    ['enormous quantity', item({ quantity: 1e20 }), QTY],
    ['float quantity', item({ quantity: 1.5 }), QTY],
    ['NaN quantity', item({ quantity: NaN }), QTY],
    ['Infinity quantity', item({ quantity: Infinity }), QTY],
    // items list
    ['no items', { ...VALID, items: [] }, 'items: must contain at least 1 item'],
    [
      '101 items',
      { ...VALID, items: Array.from({ length: 101 }, (_, i) => ({ sku: `S${i}`, quantity: 1 })) },
      'items: must contain at most 100 items',
    ],
    [
      'duplicate SKUs',
      {
        ...VALID,
        items: [
          { sku: 'A', quantity: 1 },
          { sku: 'B', quantity: 1 },
          { sku: 'A', quantity: 2 },
        ],
      },
      'items.2.sku: duplicate sku "A" (also at items.0)',
    ],
    ['empty sku', item({ sku: '' }), 'items.0.sku: must be 1-64 letters, digits, "_" or "-"'],
    ['sku with a space', item({ sku: 'A B' }), 'items.0.sku: must be 1-64 letters, digits, "_" or "-"'],
    ['65-char sku', item({ sku: 'S'.repeat(65) }), 'items.0.sku: must be 1-64'],
    // ids
    ['65-char customerId', { ...VALID, customerId: 'c'.repeat(65) }, 'customerId: must be 1-64 letters'],
    ['over-long orderId', { ...VALID, orderId: 'o'.repeat(200) }, 'orderId: must be 1-64 letters'],
    ['empty customerId', { ...VALID, customerId: '' }, 'customerId: must be 1-64 letters'],
    ['customerId starting with "-"', { ...VALID, customerId: '-abc' }, 'customerId: must be 1-64 letters'],
    [
      'SQL injection in customerId',
      { ...VALID, customerId: "x'; DROP TABLE orders;--" },
      'customerId: must be 1-64 letters',
    ],
    ['path traversal in orderId', { ...VALID, orderId: '../../etc/passwd' }, 'orderId: must be 1-64 letters'],
    ['newline in customerId', { ...VALID, customerId: 'abc\n' }, 'customerId: must be 1-64 letters'],
    // address
    [
      'country XX',
      address({ country: 'XX' }),
      'shippingAddress.country: is not an assigned ISO 3166-1 alpha-2 country code',
    ],
    ['country usa', address({ country: 'usa' }), 'shippingAddress.country: must be an ISO 3166-1 alpha-2 country code'],
    ['lowercase country', address({ country: 'us' }), 'shippingAddress.country: must be an ISO 3166-1 alpha-2'],
    ['reserved country UK', address({ country: 'UK' }), 'shippingAddress.country: is not an assigned'],
    ['blank name', address({ name: '   ' }), 'shippingAddress.name: must not be empty'],
    ['201-char line1', address({ line1: 'x'.repeat(201) }), 'shippingAddress.line1: must be at most 200 characters'],
    ['201-char line2', address({ line2: 'x'.repeat(201) }), 'shippingAddress.line2: must be at most 200 characters'],
    ['101-char city', address({ city: 'x'.repeat(101) }), 'shippingAddress.city: must be at most 100 characters'],
    ['21-char postal code', address({ postalCode: '1'.repeat(21) }), 'shippingAddress.postalCode: must be at most 20'],
    [
      'postal code punctuation',
      address({ postalCode: '123;45' }),
      'shippingAddress.postalCode: must contain only letters',
    ],
    [
      'NUL in name',
      address({ name: 'Ada\u0000Lovelace' }),
      'shippingAddress.name: must not contain control characters',
    ],
    [
      'newline inside line1',
      address({ line1: '12 Main St\nX-Injected: 1' }),
      'shippingAddress.line1: must not contain control',
    ],
    ['ANSI escape in city', address({ city: 'Lon\u001b[31mdon' }), 'shippingAddress.city: must not contain control'],
    [
      'bidi override in name',
      address({ name: 'Ada\u202Eecnalevol' }),
      'shippingAddress.name: must not contain control',
    ],
    // payment
    ['PAN token', payment({ token: '4111111111111111' }), `payment.token: ${PAN_MESSAGE}`],
    ['grouped PAN token', payment({ token: '4111-1111-1111-1111' }), `payment.token: ${PAN_MESSAGE}`],
    ['spaced PAN token', payment({ token: '4111 1111 1111 1111' }), `payment.token: ${PAN_MESSAGE}`],
    ['13-digit PAN', payment({ token: '4222222222222' }), `payment.token: ${PAN_MESSAGE}`],
    ['19-digit PAN', payment({ token: '6011000000000000004' }), `payment.token: ${PAN_MESSAGE}`],
    ['empty token', payment({ token: '' }), 'payment.token: must be 1-128 letters'],
    ['129-char token', payment({ token: 't'.repeat(129) }), 'payment.token: must be 1-128 letters'],
    ['token with quotes', payment({ token: "tok'--" }), 'payment.token: must be 1-128 letters'],
    ['paypal method', payment({ method: 'paypal' }), 'payment.method: must be "card"'],
    // other enums
    [
      'unknown shipping method',
      { ...VALID, shippingMethod: 'overnight' },
      'shippingMethod: must be "standard" or "express"',
    ],
    // unknown keys, at every level
    ['extra top-level key', { ...VALID, discount: 100 }, 'discount: is not an allowed field'],
    ['extra item key', item({ price: 1 }), 'items.0.price: is not an allowed field'],
    ['extra address key', address({ state: 'CA' }), 'shippingAddress.state: is not an allowed field'],
    ['extra payment key', payment({ cvv: '123' }), 'payment.cvv: is not an allowed field'],
    ['weird extra key', { ...VALID, 'a b\n': 1 }, '"a b\\n": is not an allowed field'],
  ])('%s', (_label, input, expected) => {
    expect(errorOf(input)).toContain(expected);
  });

  it('reports every problem at once, without echoing input values', () => {
    const message = errorOf({
      customerId: "x'; DROP TABLE orders;--",
      items: [{ sku: 'A', quantity: 0 }],
      shippingAddress: { ...VALID.shippingAddress, country: 'XX' },
      payment: { method: 'card', token: '4111111111111111' },
    });
    expect(message.split('; ')).toEqual([
      'customerId: must be 1-64 letters, digits, "_" or "-", starting with a letter or digit',
      'items.0.quantity: must be an integer between 1 and 1000',
      'shippingAddress.country: is not an assigned ISO 3166-1 alpha-2 country code',
      'payment.token: raw card numbers are not accepted (send a card token from the payment provider)',
    ]);
    expect(message).not.toContain('DROP');
    expect(message).not.toContain('4111');
  });

  it('does not repeat an identical message for one field', () => {
    expect(errorOf(item({ quantity: -1.5 }))).toBe(QTY);
  });
});
