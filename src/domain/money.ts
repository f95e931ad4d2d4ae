/**
 * Money is held as an integer count of minor units ("cents") so arithmetic is exact.
 * Assumption: every supported currency has exactly 2 minor digits (USD, EUR, GBP...). Zero- or
 * three-decimal currencies (JPY, KWD) would need a per-currency exponent; they are not supported.
 */
export interface Money {
  readonly amountCents: number;
  readonly currency: string;
}

export const CURRENCY_PATTERN = /^[A-Z]{3}$/;
export const CURRENCY_MESSAGE = 'must be an ISO 4217 currency code (3 uppercase letters, e.g. "USD")';

/** Thrown when two amounts in different currencies are combined; never silently converted. */
export class CurrencyMismatch extends Error {
  override readonly name = 'CurrencyMismatch';
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`currency mismatch: expected ${expected}, got ${actual}`);
  }
}

function checkCents(amountCents: number): number {
  if (!Number.isSafeInteger(amountCents) || amountCents < 0) {
    throw new RangeError(`amount must be a non-negative safe integer number of cents, got ${amountCents}`);
  }
  return amountCents;
}

/** Builds a validated Money; throws RangeError for floats, negatives, unsafe integers or a bad currency. */
export function money(amountCents: number, currency: string): Money {
  if (!CURRENCY_PATTERN.test(currency)) {
    throw new RangeError(`currency ${JSON.stringify(currency)} ${CURRENCY_MESSAGE}`);
  }
  return { amountCents: checkCents(amountCents), currency };
}

export function addMoney(a: Money, b: Money): Money {
  if (a.currency !== b.currency) throw new CurrencyMismatch(a.currency, b.currency);
  // money() re-checks the sum so an overflow past MAX_SAFE_INTEGER throws instead of rounding.
  return money(a.amountCents + b.amountCents, a.currency);
}

export function multiplyMoney(m: Money, quantity: number): Money {
  if (!Number.isSafeInteger(quantity) || quantity < 0) {
    throw new RangeError(`quantity must be a non-negative integer, got ${quantity}`);
  }
  return money(m.amountCents * quantity, m.currency);
}

/** Sums amounts that must all be in `currency`; the empty sum is zero (hence the explicit currency). */
export function sumMoney(list: readonly Money[], currency: string): Money {
  return list.reduce((acc, m) => addMoney(acc, m), money(0, currency));
}

/** '1,234.50 USD'. Done by hand rather than Intl so output never depends on the host's locale/ICU. */
export function formatMoney(m: Money): string {
  const cents = checkCents(m.amountCents);
  const major = String(Math.floor(cents / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const minor = String(cents % 100).padStart(2, '0');
  return `${major}.${minor} ${m.currency}`;
}

const MAJOR_UNITS = /^([0-9]+)(?:\.([0-9]{1,2}))?$/;

/**
 * Parses a price typed by a human ('19.99', '1000', '0.5') into exact cents by string manipulation:
 * parseFloat('19.99') * 100 is 1998.9999999999998, so floats are never involved.
 * Rejects empty input, signs, exponents, separators and more than 2 decimals.
 */
export function parseMajorUnits(text: string, currency: string): Money {
  const match = MAJOR_UNITS.exec(text.trim());
  if (!match) {
    throw new RangeError(
      `invalid amount ${JSON.stringify(text)}: expected a non-negative number with at most 2 decimals, e.g. 19.99`,
    );
  }
  const digits = `${match[1] ?? ''}${(match[2] ?? '').padEnd(2, '0')}`;
  if (BigInt(digits) > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`invalid amount ${JSON.stringify(text)}: too large`);
  }
  return money(Number(digits), currency);
}
