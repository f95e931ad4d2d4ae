import { z } from 'zod';
import { isShippable, type ProductType } from './plans';
import { DEFAULT_SHIPPING_FEES, shippingFeeCents, type ShippingFees } from './shipping-fees';
import { hasUnsafeChars } from './text';
import { COUNTRY_CODES } from './countries';
import { IdSchema } from './ids';
import { addMoney, money, multiplyMoney, sumMoney } from './money';

// Shipping fees, in minor units of the order's currency (demo store: one flat table for every
// 2-decimal currency). Standard shipping is free from 50.00 to encourage larger baskets; express
// always costs the courier, so it is never free.

/** Field-level error option that tells "missing" apart from "wrong type", so the CLI can say which. */
function expecting(what: string) {
  return { error: (iss: { input?: unknown }) => (iss.input === undefined ? 'is required' : `must be ${what}`) };
}

// Unsafe characters (text.ts) are refused; surrounding whitespace is trimmed, not rejected.

function anyText(max: number) {
  return z
    .string(expecting('a string'))
    .trim()
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !hasUnsafeChars(s), 'must not contain control characters');
}
const text = (max: number) => anyText(max).min(1, 'must not be empty');

export const SKU_MESSAGE = 'must be 1-64 letters, digits, "_" or "-"';
export const SkuSchema = z.string(expecting('a string')).regex(/^[A-Za-z0-9_-]{1,64}$/, SKU_MESSAGE);

export const MAX_QUANTITY = 1000;
const QUANTITY_MESSAGE = `must be an integer between 1 and ${MAX_QUANTITY}`;
export const QuantitySchema = z
  .number(expecting(`an integer between 1 and ${MAX_QUANTITY}`))
  .int(QUANTITY_MESSAGE)
  .min(1, QUANTITY_MESSAGE)
  .max(MAX_QUANTITY, QUANTITY_MESSAGE);

export const OrderItemSchema = z.strictObject({ sku: SkuSchema, quantity: QuantitySchema }, expecting('an object'));
export type OrderItem = z.infer<typeof OrderItemSchema>;

export const CountrySchema = z
  .string(expecting('a string'))
  .trim()
  .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code: 2 uppercase letters, e.g. "US"')
  // pipe only runs when the format is right, so each bad value gets exactly one message.
  .pipe(z.enum(COUNTRY_CODES, { error: 'is not an assigned ISO 3166-1 alpha-2 country code' }));

export const AddressSchema = z.strictObject(
  {
    name: text(200),
    line1: text(200),
    // An all-blank second line is treated as absent rather than stored as ''.
    line2: anyText(200)
      .optional()
      .transform((s) => s || undefined),
    city: text(100),
    postalCode: text(20).regex(/^[A-Za-z0-9 -]+$/, 'must contain only letters, digits, spaces and "-"'),
    country: CountrySchema,
  },
  expecting('an object'),
);
export type Address = z.infer<typeof AddressSchema>;

// 13-19 digits, possibly grouped by spaces/dashes/dots, is a primary account number. Accepting one
// would put the system in PCI scope and write it to workflow history, so it is refused outright.
const PAN_LIKE = /^[0-9]{13,19}$/;
export const PaymentSchema = z.strictObject(
  {
    method: z.literal('card', { error: 'must be "card"' }),
    token: z
      .string(expecting('a string'))
      .trim()
      .refine((t) => !PAN_LIKE.test(t.replace(/[\s.-]/g, '')), {
        error: 'raw card numbers are not accepted (send a card token from the payment provider)',
        abort: true,
      })
      .regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be 1-128 letters, digits, "_" or "-"'),
  },
  expecting('an object'),
);
export type Payment = z.infer<typeof PaymentSchema>;

export const SHIPPING_METHODS = ['standard', 'express'] as const;
export const ShippingMethodSchema = z.enum(SHIPPING_METHODS, { error: 'must be "standard" or "express"' });
export type ShippingMethod = z.infer<typeof ShippingMethodSchema>;

export const MAX_ITEMS = 100;
export const OrderItemsSchema = z
  .array(OrderItemSchema, expecting('an array of items'))
  .min(1, 'must contain at least 1 item')
  .max(MAX_ITEMS, `must contain at most ${MAX_ITEMS} items`)
  .superRefine((items, ctx) => {
    // A repeated SKU is almost always a client bug (double click, bad merge); make them combine it.
    const firstAt = new Map<string, number>();
    items.forEach((item, i) => {
      const first = firstAt.get(item.sku);
      if (first === undefined) firstAt.set(item.sku, i);
      else
        ctx.addIssue({
          code: 'custom',
          path: [i, 'sku'],
          message: `duplicate sku "${item.sku}" (also at items.${first})`,
        });
    });
  });

export const OrderInputSchema = z.strictObject(
  {
    orderId: IdSchema.optional(),
    customerId: IdSchema,
    items: OrderItemsSchema,
    shippingAddress: AddressSchema,
    payment: PaymentSchema,
    shippingMethod: ShippingMethodSchema.default('standard'),
  },
  expecting('an object'),
);
/** The validated (parsed) order; `z.input<typeof OrderInputSchema>` is what callers may send. */
export type OrderInput = z.infer<typeof OrderInputSchema>;

function pathLabel(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'input';
  // Keys come from user input; quote anything unusual so it cannot smuggle text into the message.
  return path
    .map((p) => (typeof p === 'string' && !/^[A-Za-z0-9_]+$/.test(p) ? JSON.stringify(p) : String(p)))
    .join('.');
}

/** 'items.0.quantity: must be an integer between 1 and 1000; payment.token: ...' (never echoes values). */
export function formatZodError(error: { readonly issues: readonly z.core.$ZodIssue[] }): string {
  const parts = error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => `${pathLabel([...issue.path, key])}: is not an allowed field`)
      : [`${pathLabel(issue.path)}: ${issue.message}`],
  );
  return [...new Set(parts)].join('; ');
}

export interface CatalogEntry {
  readonly name: string;
  readonly priceCents: number;
  readonly currency: string;
  /** Default physical. */
  readonly productType?: ProductType;
  /** Pre-orders: when the item is released (ISO 8601). */
  readonly releaseAt?: string;
}

export type Catalog = Readonly<Record<string, CatalogEntry>>;

export interface PricedLine {
  sku: string;
  name: string;
  quantity: number;
  unitPriceCents: number;
  lineTotalCents: number;
  productType: ProductType;
  releaseAt?: string;
}

export interface PricedOrder {
  lines: PricedLine[];
  currency: string;
  subtotalCents: number;
  shippingCents: number;
  totalCents: number;
}

export interface PricingFailure {
  ok: false;
  reason: 'unknown-sku' | 'mixed-currency';
  /** unknown-sku: SKUs missing from the catalog; mixed-currency: SKUs not in the first line's currency. */
  skus: string[];
}
// Structurally the same as contracts.ts's PriceOrderResult (the activity returns this value as-is).
export type PricingResult = ({ ok: true } & PricedOrder) | PricingFailure;

/**
 * Prices validated items against a catalog snapshot. Business failures come back as values so the
 * workflow can decide (reject the order); a malformed catalog price or an empty item list is a
 * programming error and throws RangeError.
 */
export function priceOrder(
  items: readonly OrderItem[],
  catalog: Catalog,
  shippingMethod: ShippingMethod = 'standard',
  fees: ShippingFees = DEFAULT_SHIPPING_FEES,
): PricingResult {
  if (items.length === 0) throw new RangeError('cannot price an order with no items');
  const found: { item: OrderItem; entry: CatalogEntry }[] = [];
  const unknown = new Set<string>();
  for (const item of items) {
    // hasOwn: a sku like "constructor" or "__proto__" must not resolve to Object.prototype members.
    const entry = Object.hasOwn(catalog, item.sku) ? catalog[item.sku] : undefined;
    if (entry) found.push({ item, entry });
    else unknown.add(item.sku);
  }
  if (unknown.size > 0) return { ok: false, reason: 'unknown-sku', skus: [...unknown] };

  // found is non-empty here (items non-empty, none unknown); '' would make money() throw anyway.
  const currency = found[0]?.entry.currency ?? '';
  const foreign = new Set(found.filter((f) => f.entry.currency !== currency).map((f) => f.item.sku));
  if (foreign.size > 0) return { ok: false, reason: 'mixed-currency', skus: [...foreign] };

  const lines = found.map(({ item, entry }): PricedLine => {
    const unit = money(entry.priceCents, currency);
    return {
      sku: item.sku,
      name: entry.name,
      quantity: item.quantity,
      unitPriceCents: unit.amountCents,
      lineTotalCents: multiplyMoney(unit, item.quantity).amountCents,
      productType: entry.productType ?? 'physical',
      ...(entry.releaseAt ? { releaseAt: entry.releaseAt } : {}),
    };
  });
  const subtotal = sumMoney(
    lines.map((l) => money(l.lineTotalCents, currency)),
    currency,
  );
  // Shipping is charged on what travels: a cart of licences and gift cards ships nothing.
  const shippable = lines.filter((l) => isShippable(l.productType));
  const shippableSubtotal = sumMoney(
    shippable.map((l) => money(l.lineTotalCents, currency)),
    currency,
  );
  const shipping = money(
    shippable.length > 0 ? shippingFeeCents(shippingMethod, shippableSubtotal.amountCents, fees) : 0,
    currency,
  );
  return {
    ok: true,
    lines,
    currency,
    subtotalCents: subtotal.amountCents,
    shippingCents: shipping.amountCents,
    totalCents: addMoney(subtotal, shipping).amountCents,
  };
}
