/**
 * `orders list` and `orders approvals`: visibility queries on the order search attributes, scoped
 * to this deployment's orders task queue. Every value that goes into a query is validated first
 * (a status name, an id, the configured prefix) and quoted, so no input can change the query.
 */
import { bulkhead } from 'cockatiel';
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import {
  IdSchema,
  ID_MESSAGE,
  ORDER_STATUSES,
  OrderStatusSchema,
  orderIdOfWorkflow,
  type OrderStatus,
} from '../domain';
import {
  CustomerIdKey,
  NeedsApprovalKey,
  NeedsAttentionKey,
  OrderStatusKey,
  OrderTotalCentsKey,
} from '../../workflows/search-attribute-keys';
import { readOrder, withContext, type CliContext } from './context';
import { invalid } from './errors';
import { EXIT, clean, formatAge, formatAmount, formatCents, printJson, table } from './output';

export const DEFAULT_LIST_LIMIT = 20;
export const MAX_LIST_LIMIT = 1000;

/** A visibility-query string literal. Callers validate first; this refuses anything that could escape. */
export function quote(value: string): string {
  if (!/^[\w.-]*$/.test(value)) throw invalid(`refusing to put ${JSON.stringify(value)} in a visibility query`);
  return `'${value}'`;
}

export function ordersQuery(
  ordersQueue: string,
  filters: { status?: OrderStatus; customerId?: string; running?: boolean; needsAttention?: boolean },
): string {
  // Flagged orders include those a recovery could not settle (workflows/recovery.ts marks itself).
  const types = filters.needsAttention
    ? `(WorkflowType = 'orderWorkflow' OR WorkflowType = 'orderRecoveryWorkflow')`
    : `WorkflowType = 'orderWorkflow'`;
  const parts = [types, `TaskQueue = ${quote(ordersQueue)}`];
  if (filters.status) parts.push(`OrderStatus = ${quote(filters.status)}`);
  if (filters.customerId) parts.push(`CustomerId = ${quote(filters.customerId)}`);
  if (filters.running) parts.push(`ExecutionStatus = 'Running'`);
  if (filters.needsAttention) parts.push('NeedsAttention = true');
  return parts.join(' AND ');
}

export function parseLimit(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LIST_LIMIT;
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1 || Number(text) > MAX_LIST_LIMIT) {
    throw invalid(`--limit: must be an integer between 1 and ${MAX_LIST_LIMIT}`);
  }
  return Number(text);
}

export function parseStatusFilter(text: string | undefined): OrderStatus | undefined {
  if (text === undefined) return undefined;
  const parsed = OrderStatusSchema.safeParse(text);
  if (!parsed.success) throw invalid(`--status: must be one of ${ORDER_STATUSES.join(', ')}`);
  return parsed.data;
}

export function parseCustomerFilter(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (!IdSchema.safeParse(text).success) throw invalid(`--customer: ${ID_MESSAGE}`);
  return text;
}

async function first(client: Client, query: string, limit: number): Promise<WorkflowExecutionInfo[]> {
  const found: WorkflowExecutionInfo[] = [];
  if (limit <= 0) return found;
  for await (const info of client.workflow.list({ query, pageSize: Math.min(limit, 100) })) {
    found.push(info);
    if (found.length >= limit) break;
  }
  return found;
}

export interface ListOptions {
  status?: string;
  customer?: string;
  limit?: string;
  needsAttention?: boolean;
  json?: boolean;
}

export async function list(opts: ListOptions): Promise<number> {
  const status = parseStatusFilter(opts.status);
  const customerId = parseCustomerFilter(opts.customer);
  const limit = parseLimit(opts.limit);
  return withContext(async (ctx) => {
    const query = ordersQuery(ctx.ordersQueue, {
      ...(status ? { status } : {}),
      ...(customerId ? { customerId } : {}),
      ...(opts.needsAttention ? { needsAttention: true } : {}),
    });
    const orders = (await first(ctx.client, query, limit)).map((info) => {
      const orderId = orderIdOfWorkflow(info.workflowId);
      const sa = info.typedSearchAttributes;
      const rawStatus = sa.get(OrderStatusKey);
      return {
        orderId,
        workflowId: info.workflowId,
        status: OrderStatusSchema.safeParse(rawStatus).data ?? null,
        customerId: sa.get(CustomerIdKey) ?? null,
        totalCents: sa.get(OrderTotalCentsKey) ?? null,
        needsApproval: sa.get(NeedsApprovalKey) ?? null,
        needsAttention: sa.get(NeedsAttentionKey) ?? null,
        workflowStatus: info.status.name,
        startedAt: info.startTime.toISOString(),
        closedAt: info.closeTime?.toISOString() ?? null,
        url: ctx.orderUrl(orderId),
      };
    });
    if (opts.json) {
      printJson({ query, orders });
      return EXIT.OK;
    }
    if (orders.length === 0) {
      console.log('no orders match');
      return EXIT.OK;
    }
    const now = Date.now();
    console.log(
      table(
        ['ORDER', 'STATUS', 'CUSTOMER', 'TOTAL', 'AGE', 'WEB UI'],
        orders.map((o) => [
          o.orderId,
          `${o.status ?? '?'}${o.needsAttention ? ' (!)' : ''}`,
          o.customerId ?? '?',
          o.totalCents === null ? '-' : formatCents(o.totalCents),
          formatAge(now - Date.parse(o.startedAt)),
          o.url,
        ]),
      ),
    );
    if (orders.length === limit) console.log(`(first ${limit}; use --limit for more)`);
    return EXIT.OK;
  });
}

interface Awaiting {
  orderId: string;
  customerId: string;
  totalCents: number;
  currency: string | null;
  awaitingSince: string;
  ageMs: number;
  url: string;
}

/** One awaiting order: amount and waiting time from the workflow itself, search attributes as a fallback. */
async function awaiting(ctx: CliContext, info: WorkflowExecutionInfo, now: number): Promise<Awaiting | undefined> {
  const orderId = orderIdOfWorkflow(info.workflowId);
  const sa = info.typedSearchAttributes;
  let entry = {
    customerId: sa.get(CustomerIdKey) ?? '?',
    totalCents: sa.get(OrderTotalCentsKey) ?? 0,
    currency: null as string | null,
    awaitingSince: info.startTime.toISOString(),
  };
  try {
    const { view } = await readOrder(ctx.client, orderId);
    // Visibility lags the workflow by a moment: trust the workflow when it has moved on.
    if (view.status !== 'AwaitingApproval') return undefined;
    const since = view.history.find((h) => h.status === 'AwaitingApproval')?.at ?? entry.awaitingSince;
    entry = {
      customerId: view.customerId,
      totalCents: view.totalCents,
      currency: view.currency ?? null,
      awaitingSince: since,
    };
  } catch {
    // No worker answered: the search attributes still tell amount and customer.
  }
  return { orderId, ...entry, ageMs: Math.max(0, now - Date.parse(entry.awaitingSince)), url: ctx.orderUrl(orderId) };
}

/** Status queries `orders approvals` runs at once: each wakes a worker, so they are not fanned out unbounded. */
const QUERY_FAN_OUT = 8;

export async function approvals(opts: { limit?: string; json?: boolean }): Promise<number> {
  const limit = parseLimit(opts.limit ?? String(MAX_LIST_LIMIT));
  return withContext(async (ctx) => {
    const query = ordersQuery(ctx.ordersQueue, { status: 'AwaitingApproval', running: true });
    const infos = await first(ctx.client, query, limit);
    const now = Date.now();
    // At most QUERY_FAN_OUT status queries at once, however many orders wait (the others queue).
    const limiter = bulkhead(QUERY_FAN_OUT, infos.length);
    const found = (await Promise.all(infos.map((info) => limiter.execute(() => awaiting(ctx, info, now))))).filter(
      (a): a is Awaiting => a !== undefined,
    );
    found.sort((a, b) => b.ageMs - a.ageMs || a.orderId.localeCompare(b.orderId));
    if (opts.json) {
      printJson({ orders: found });
      return EXIT.OK;
    }
    if (found.length === 0) {
      console.log('no orders are awaiting approval');
      return EXIT.OK;
    }
    console.log(
      table(
        ['ORDER', 'AMOUNT', 'CUSTOMER', 'WAITING', 'WEB UI'],
        found.map((a) => [
          a.orderId,
          formatAmount(a.totalCents, a.currency),
          clean(a.customerId),
          formatAge(a.ageMs),
          a.url,
        ]),
      ),
    );
    console.log(
      '\nDecide with: orders approve <orderId> --by <approver>  |  orders reject <orderId> --by <approver> --reason <why>',
    );
    return EXIT.OK;
  });
}
