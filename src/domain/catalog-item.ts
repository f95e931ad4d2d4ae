/**
 * The rules for a catalog item, one place for every way one is written (the `orders catalog
 * upsert` flags, the Orders API's `PUT /v1/catalog/{sku}`): each problem names its field, and the
 * caller says it in its own words (a flag, a JSON field).
 */
import { CurrencySchema } from './money-schemas';
import { ID_PATTERN } from './ids';
import { SkuSchema } from './order';
import { isShippable } from './plans';
import { PRODUCT_TYPES, isProductType, type ProductType } from './plans';
import { hasUnsafeChars } from './text';

/** stock.on_hand is a PostgreSQL integer. */
export const MAX_STOCK = 2_147_483_647;

/** An item as given, before its checks. */
export interface CatalogItemDraft {
  sku?: unknown;
  name?: unknown;
  priceCents?: unknown;
  currency?: unknown;
  productType?: unknown;
  releaseAt?: unknown;
  onHand?: unknown;
  warehouseId?: unknown;
}

/** An item that passed them: what the catalog store writes. */
export interface CatalogItem {
  sku: string;
  name: string;
  priceCents: number;
  currency: string;
  productType: ProductType;
  /** Pre-orders only: the release date (ISO 8601). */
  releaseAt?: string;
  /** Units on hand at `warehouseId` (replaces the previous count). Omitted for goods without stock. */
  onHand?: number;
  /** Omitted: the first warehouse by id. */
  warehouseId?: string;
}

export type CatalogField = keyof CatalogItemDraft;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/;

/** Every problem of `d` (field, what is wrong), or the item itself when there is none. */
export function checkCatalogItem(
  d: CatalogItemDraft,
): { ok: true; item: CatalogItem } | { ok: false; problems: Array<[CatalogField, string]> } {
  const problems: Array<[CatalogField, string]> = [];
  const need = (field: CatalogField, value: unknown) => {
    if (value === undefined) problems.push([field, 'is required']);
    return value !== undefined;
  };
  if (need('sku', d.sku) && !SkuSchema.safeParse(d.sku).success)
    problems.push(['sku', 'must be 1-64 letters, digits, "_" or "-"']);
  const name = typeof d.name === 'string' ? d.name.trim() : d.name;
  if (need('name', name)) {
    if (typeof name !== 'string') problems.push(['name', 'must be a string']);
    else if (name === '') problems.push(['name', 'must not be empty']);
    else if (name.length > 200) problems.push(['name', 'must be at most 200 characters']);
    else if (hasUnsafeChars(name)) problems.push(['name', 'must not contain control characters']);
  }
  if (need('currency', d.currency) && !CurrencySchema.safeParse(d.currency).success)
    problems.push(['currency', 'must be an ISO 4217 currency code (3 uppercase letters, e.g. "USD")']);
  if (need('priceCents', d.priceCents) && !(Number.isSafeInteger(d.priceCents) && (d.priceCents as number) >= 0))
    problems.push(['priceCents', 'must be a whole number of minor units, 0 or more']);
  const type = d.productType ?? 'physical';
  const typeOk = typeof type === 'string' && isProductType(type);
  if (!typeOk) problems.push(['productType', `must be one of ${PRODUCT_TYPES.join(', ')}`]);
  // Licences and gift cards have no stock; what travels has stock at a warehouse.
  const stocked = !typeOk || isShippable(type);
  if (!stocked && d.onHand !== undefined) problems.push(['onHand', `${String(type)} items have no stock`]);
  else if (stocked && need('onHand', d.onHand)) {
    const n = d.onHand;
    if (!(Number.isInteger(n) && (n as number) >= 0 && (n as number) <= MAX_STOCK))
      problems.push(['onHand', `must be a whole number of units between 0 and ${MAX_STOCK}`]);
  }
  if (!stocked && d.warehouseId !== undefined) problems.push(['warehouseId', `${String(type)} items have no stock`]);
  else if (d.warehouseId !== undefined && !(typeof d.warehouseId === 'string' && ID_PATTERN.test(d.warehouseId)))
    problems.push(['warehouseId', 'must be a warehouse id (letters, digits, "_" or "-")']);
  let releaseAt: string | undefined;
  if (type === 'preorder') {
    if (need('releaseAt', d.releaseAt)) {
      const at = typeof d.releaseAt === 'string' && ISO_DATE.test(d.releaseAt.trim()) ? Date.parse(d.releaseAt) : NaN;
      if (Number.isNaN(at))
        problems.push(['releaseAt', 'must be an ISO 8601 date or date-time, e.g. 2027-03-01T09:00:00Z']);
      else releaseAt = new Date(at).toISOString();
    }
  } else if (d.releaseAt !== undefined)
    problems.push(['releaseAt', 'only pre-orders (product type preorder) have a release date']);
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    item: {
      sku: d.sku as string,
      name: name as string,
      priceCents: d.priceCents as number,
      currency: d.currency as string,
      productType: type as ProductType,
      ...(releaseAt ? { releaseAt } : {}),
      ...(stocked ? { onHand: d.onHand as number } : {}),
      ...(d.warehouseId !== undefined ? { warehouseId: d.warehouseId as string } : {}),
    },
  };
}
