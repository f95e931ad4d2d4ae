/**
 * The shape of every `--json` document the CLI prints, as zod schemas: tests validate the real
 * output against them and scripts can rely on them. Strict objects: a field added to the output
 * without its schema fails the tests.
 */
import { z } from 'zod';
import { PRODUCT_TYPES } from '../domain/plans';
import { FailureReasonSchema, OrderStatusSchema } from '../domain/status-schemas';

const Cents = z.number().int().nonnegative();
const Timestamp = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO timestamp');
const Url = z.string().url();

export const HistoryEntryJsonSchema = z.strictObject({
  status: OrderStatusSchema,
  at: Timestamp,
  note: z.string().optional(),
});

export const OrderLineJsonSchema = z.strictObject({
  sku: z.string(),
  name: z.string(),
  quantity: z.number().int().positive(),
  unitPriceCents: Cents,
  lineTotalCents: Cents,
  productType: z.enum(PRODUCT_TYPES),
  releaseAt: z.string().optional(),
});

export const PaymentJsonSchema = z.strictObject({
  status: z.enum(['none', 'authorized', 'captured', 'voided', 'refunded', 'declined']),
  authorizedCents: Cents,
  capturedCents: Cents,
  refundedCents: Cents,
});

export const ShipmentJsonSchema = z.strictObject({
  shipmentId: z.string(),
  /** The workflow that follows the parcel: its shipment workflow, or (v0.8) the order's own. */
  workflowId: z.string(),
  /** v0.8: the order runs this parcel itself (no shipment workflow; workflowId is the order's). */
  followedByOrder: z.boolean(),
  warehouseId: z.string(),
  status: z.enum(['Booking', 'Booked', 'picked-up', 'in-transit', 'delivered', 'Cancelled', 'Failed']),
  lines: z.array(z.strictObject({ sku: z.string(), warehouseId: z.string(), quantity: z.number().int().positive() })),
});

export const ApprovalJsonSchema = z.strictObject({
  decision: z.enum(['approved', 'rejected', 'timed-out']),
  by: z.string().optional(),
  /** The role `by` decided in, from the signed decision (absent on older runs). */
  role: z.string().optional(),
  /** The Temporal client identity the decision came from. */
  identity: z.string().optional(),
  note: z.string().optional(),
  at: Timestamp,
});

/** `orders status --json` (and the final state in watch, place --wait, approve, reject, cancel). */
export const StatusJsonSchema = z.strictObject({
  orderId: z.string(),
  customerId: z.string(),
  status: OrderStatusSchema,
  /** Delivered, Cancelled or Refunded. */
  terminal: z.boolean(),
  /** Null until the order is priced. */
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .nullable(),
  subtotalCents: Cents,
  shippingCents: Cents,
  totalCents: Cents,
  needsApproval: z.boolean(),
  approval: ApprovalJsonSchema.nullable(),
  items: z.array(OrderLineJsonSchema),
  payment: PaymentJsonSchema,
  shipments: z.array(ShipmentJsonSchema),
  history: z.array(HistoryEntryJsonSchema),
  failureReason: FailureReasonSchema.nullable(),
  /** When the first parcel was picked up (from then on no cancellation); null before. */
  pointOfNoReturn: Timestamp.nullable(),
  /** Why people must look at this order (a compensation that cannot finish, a lost parcel); null when nothing. */
  needsAttention: z.strictObject({ reason: z.string(), since: Timestamp }).nullable(),
  /** The rule-set version the order runs under (0: the built-in defaults); null until priced. */
  rulesVersion: z.number().int().nonnegative().nullable(),
  /** The fulfilment plan version of each product type the order runs (empty until priced). */
  plans: z.array(z.strictObject({ productType: z.enum(PRODUCT_TYPES), version: z.number().int().positive() })),
  /** A pre-order waiting for its release date; null otherwise. */
  awaitingRelease: Timestamp.nullable(),
  /** Back-ordered: the SKUs it waits for and until when; null otherwise. */
  backorder: z.strictObject({ skus: z.array(z.string()), until: Timestamp }).nullable(),
  /** Licence keys and gift codes issued (counts only). */
  issued: z.strictObject({ licences: z.number().int().nonnegative(), giftCodes: z.number().int().nonnegative() }),
  workflowId: z.string(),
  runId: z.string(),
  /** The Temporal run's own status: RUNNING, COMPLETED, CANCELLED, FAILED, TERMINATED... */
  workflowStatus: z.string(),
  url: Url,
});
export type StatusJson = z.infer<typeof StatusJsonSchema>;

/** The order as its view tells it, without its run's details: what a decision through the API answers. */
export const ViewJsonSchema = StatusJsonSchema.omit({ runId: true, workflowStatus: true });
export type ViewJson = z.infer<typeof ViewJsonSchema>;

/** `orders place --json`; `final` only with --wait. */
export const PlaceJsonSchema = z.strictObject({
  orderId: z.string(),
  workflowId: z.string(),
  url: Url,
  final: StatusJsonSchema.optional(),
});

/** `orders watch --json`: one document when the order is terminal (its history holds every transition). */
export const WatchJsonSchema = StatusJsonSchema;

/** `orders list --json`. Values come from the search attributes (null when not set yet). */
export const ListJsonSchema = z.strictObject({
  query: z.string(),
  orders: z.array(
    z.strictObject({
      orderId: z.string(),
      workflowId: z.string(),
      status: OrderStatusSchema.nullable(),
      customerId: z.string().nullable(),
      totalCents: Cents.nullable(),
      needsApproval: z.boolean().nullable(),
      needsAttention: z.boolean().nullable(),
      workflowStatus: z.string(),
      startedAt: Timestamp,
      closedAt: Timestamp.nullable(),
      url: Url,
    }),
  ),
});

/** `orders approvals --json`: oldest first. */
export const ApprovalsJsonSchema = z.strictObject({
  orders: z.array(
    z.strictObject({
      orderId: z.string(),
      customerId: z.string(),
      totalCents: Cents,
      currency: z.string().nullable(),
      awaitingSince: Timestamp,
      ageMs: z.number().int().nonnegative(),
      url: Url,
    }),
  ),
});

/** `orders approve|reject|cancel --json`: the order as the workflow answered the update. */
export const DecisionJsonSchema = z.strictObject({
  orderId: z.string(),
  action: z.enum(['approve', 'reject', 'cancel']),
  order: ViewJsonSchema,
});

/** `orders deliver --json`. */
export const DeliverJsonSchema = z.strictObject({
  orderId: z.string(),
  url: Url,
  signalled: z.array(z.strictObject({ shipmentId: z.string(), workflowId: z.string(), warehouseId: z.string() })),
  skipped: z.array(z.strictObject({ shipmentId: z.string(), status: z.string() })),
});

export const CatalogItemJsonSchema = z.strictObject({
  sku: z.string(),
  name: z.string(),
  priceCents: Cents,
  currency: z.string().regex(/^[A-Z]{3}$/),
  /** '19.99 USD' */
  price: z.string(),
  productType: z.enum(PRODUCT_TYPES),
  /** Pre-orders: ISO 8601. */
  releaseAt: z.string().optional(),
  onHand: z.number().int().nonnegative(),
  reserved: z.number().int().nonnegative(),
  available: z.number().int().nonnegative(),
  warehouses: z.array(
    z.strictObject({
      warehouseId: z.string(),
      onHand: z.number().int().nonnegative(),
      reserved: z.number().int().nonnegative(),
      available: z.number().int().nonnegative(),
    }),
  ),
});

/** `orders catalog upsert --json`. */
export const CatalogUpsertJsonSchema = z.strictObject({
  created: z.boolean(),
  /** Where the stock was set; absent for goods without stock (digital, gift cards). */
  warehouseId: z.string().optional(),
  item: CatalogItemJsonSchema,
});

/** `orders plans show|history --json`, and `set --json` ({ plan }). */
const StoredPlanJsonSchema = z.strictObject({
  productType: z.enum(PRODUCT_TYPES),
  version: z.number().int().positive(),
  plan: z.unknown(),
  note: z.string(),
  createdAt: z.string(),
});
export const PlansJsonSchema = z.strictObject({ plans: z.array(StoredPlanJsonSchema) });
export const PlanSavedJsonSchema = z.strictObject({ plan: StoredPlanJsonSchema });

/** `orders catalog list --json`. */
export const CatalogListJsonSchema = z.strictObject({ items: z.array(CatalogItemJsonSchema) });

/** `orders doctor --json`. */
export const DoctorJsonSchema = z.strictObject({
  ok: z.literal(true),
  checkId: z.string(),
  workers: z.record(z.string(), z.unknown()),
});

/** Any command with --json that fails prints this on stdout (and the message on stderr). */
export const ErrorJsonSchema = z.strictObject({
  error: z.strictObject({ exitCode: z.number().int().positive(), message: z.string() }),
});
