import {
  CurrencyMismatch,
  CurrencySchema,
  MoneySchema,
  addMoney,
  formatMoney,
  money,
  multiplyMoney,
  parseMajorUnits,
  sumMoney,
} from '../../src/domain';

describe('money()', () => {
  it('builds valid amounts', () => {
    expect(money(0, 'USD')).toEqual({ amountCents: 0, currency: 'USD' });
    expect(money(Number.MAX_SAFE_INTEGER, 'EUR').amountCents).toBe(Number.MAX_SAFE_INTEGER);
  });

  it.each([1.5, -1, Number.MAX_SAFE_INTEGER + 1, NaN, Infinity])('rejects amount %p with RangeError', (cents) => {
    expect(() => money(cents, 'USD')).toThrow(RangeError);
  });

  it.each(['usd', 'US', 'USDX', '', '12A'])('rejects currency %p', (currency) => {
    expect(() => money(1, currency)).toThrow(RangeError);
    expect(CurrencySchema.safeParse(currency).success).toBe(false);
  });

  it('MoneySchema validates the same shape', () => {
    expect(MoneySchema.safeParse({ amountCents: 100, currency: 'USD' }).success).toBe(true);
    expect(MoneySchema.safeParse({ amountCents: 1.5, currency: 'USD' }).success).toBe(false);
    expect(MoneySchema.safeParse({ amountCents: -1, currency: 'USD' }).success).toBe(false);
    expect(MoneySchema.safeParse({ amountCents: 1, currency: 'USD', extra: 1 }).success).toBe(false);
  });
});

describe('arithmetic', () => {
  it('adds, multiplies and sums exactly', () => {
    expect(addMoney(money(1999, 'USD'), money(1, 'USD'))).toEqual(money(2000, 'USD'));
    expect(multiplyMoney(money(1999, 'USD'), 3)).toEqual(money(5997, 'USD'));
    expect(multiplyMoney(money(1999, 'USD'), 0)).toEqual(money(0, 'USD'));
    expect(sumMoney([money(10, 'EUR'), money(20, 'EUR'), money(30, 'EUR')], 'EUR')).toEqual(money(60, 'EUR'));
    expect(sumMoney([], 'GBP')).toEqual(money(0, 'GBP'));
  });

  it('refuses to mix currencies', () => {
    expect(() => addMoney(money(1, 'USD'), money(1, 'EUR'))).toThrow(CurrencyMismatch);
    expect(() => sumMoney([money(1, 'USD')], 'EUR')).toThrow(/currency mismatch/);
  });

  it('rejects bad quantities and overflow', () => {
    expect(() => multiplyMoney(money(1, 'USD'), 1.5)).toThrow(RangeError);
    expect(() => multiplyMoney(money(1, 'USD'), -1)).toThrow(RangeError);
    expect(() => multiplyMoney(money(Number.MAX_SAFE_INTEGER, 'USD'), 2)).toThrow(RangeError);
    expect(() => addMoney(money(Number.MAX_SAFE_INTEGER, 'USD'), money(1, 'USD'))).toThrow(RangeError);
  });
});

describe('formatMoney', () => {
  it.each([
    [0, '0.00 USD'],
    [5, '0.05 USD'],
    [50, '0.50 USD'],
    [999, '9.99 USD'],
    [123450, '1,234.50 USD'],
    [100000000, '1,000,000.00 USD'],
    [12345678901, '123,456,789.01 USD'],
  ])('%p cents -> %p', (cents, text) => {
    expect(formatMoney(money(cents, 'USD'))).toBe(text);
  });
});

describe('parseMajorUnits', () => {
  it.each([
    ['19.99', 1999],
    ['1000', 100000],
    ['0.5', 50],
    ['0.05', 5],
    ['0', 0],
    ['007.10', 710],
    [' 12.30 ', 1230],
    ['90071992547409.91', Number.MAX_SAFE_INTEGER],
  ])('%p -> %p cents', (text, cents) => {
    expect(parseMajorUnits(text, 'USD')).toEqual({ amountCents: cents, currency: 'USD' });
  });

  it('is exact where float arithmetic is not', () => {
    expect(Math.round(parseFloat('1.005') * 100)).toBe(100); // the float trap
    expect(parseMajorUnits('4.35', 'USD').amountCents).toBe(435); // 4.35 * 100 = 434.99999999999994
  });

  it.each([
    '',
    ' ',
    '-1',
    '+1',
    '1.999',
    '1e3',
    '1E3',
    '.5',
    '5.',
    '1,000',
    '1.2.3',
    'abc',
    '0x10',
    'Infinity',
    'NaN',
    '١٢',
  ])('rejects %p', (text) => {
    expect(() => parseMajorUnits(text, 'USD')).toThrow(RangeError);
  });

  it('rejects amounts beyond the safe integer range', () => {
    expect(() => parseMajorUnits('90071992547409.92', 'USD')).toThrow(/too large/);
    expect(() => parseMajorUnits('99999999999999999999', 'USD')).toThrow(/too large/);
  });

  it('validates the currency too', () => {
    expect(() => parseMajorUnits('1.00', 'usd')).toThrow(RangeError);
  });
});
