/**
 * `orders place`: builds the order from flags or a JSON file, validates it with the workflow's own
 * schema before anything is sent, places it through the Orders API as the logged-in user (`orders
 * login`, or ORDERS_API_TOKEN: a staff session or a storefront's key), and with --wait follows it
 * to the end (that reads the order from Temporal).
 */
import { readFileSync } from 'node:fs';
import * as otel from '@opentelemetry/api';
import { parseOrderInput } from '../placement/place-order';
import { loadConfig } from '../config';
import { MAX_BACKORDER_MS, OrderInputSchema, formatZodError, orderWorkflowId, type OrderView } from '../domain';
import { apiSession, requestApi } from './api-session';
import { withContext } from './context';
import { CliError, invalid, operational } from './errors';
import { EXIT, parseDuration, printJson, uiBase, workflowUrl } from './output';
import { followAndReport } from './watch';
import { toStatusJson } from './status';

export interface PlaceOptions {
  customer?: string;
  item?: string[];
  shipTo?: string;
  token?: string;
  orderId?: string;
  shipping?: string;
  file?: string;
  wait?: boolean;
  timeout?: string;
  backorder?: string;
  json?: boolean;
}

function parseBackorder(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (ms === undefined || ms < 1_000 || ms > MAX_BACKORDER_MS)
    throw invalid(
      '--backorder: must be a duration from 1s to 90d, e.g. 2d, 12h or 30m (how long to wait for a restock)',
    );
  return ms;
}

export const DEFAULT_WAIT_TIMEOUT = '120s';

/** Which flag sets each top-level field, so a message can say what to fix on the command line. */
const FLAG_FOR: Record<string, string> = {
  orderId: '--order-id',
  customerId: '--customer',
  items: '--item',
  shippingAddress: '--ship-to',
  payment: '--token',
  shippingMethod: '--shipping',
};

function readText(source: string, what: string): string {
  try {
    return source === '-' ? readFileSync(0, 'utf8') : readFileSync(source, 'utf8');
  } catch (err) {
    throw invalid(
      `${what}: cannot read ${JSON.stringify(source)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // The parser's message quotes the input; the field name and the rule are enough.
    throw invalid(`${what}: is not valid JSON`);
  }
}

/** 'SKU:QTY' → { sku, quantity }; a quantity that is not plain digits stays text, for the schema to refuse ('1e3', '1.5'). */
export function parseItem(spec: string, index: number): { sku: string; quantity: unknown } {
  const at = spec.lastIndexOf(':');
  if (at <= 0 || at === spec.length - 1) throw invalid(`items.${index} (--item): expected SKU:QTY, e.g. KB-001:2`);
  const qty = spec.slice(at + 1).trim();
  return { sku: spec.slice(0, at).trim(), quantity: /^[+-]?\d+$/.test(qty) ? Number(qty) : qty };
}

function parseShipTo(value: string | undefined): unknown {
  if (value === undefined) return undefined;
  if (value.startsWith('@'))
    return parseJson(readText(value.slice(1), 'shippingAddress (--ship-to)'), 'shippingAddress (--ship-to)');
  return parseJson(value, 'shippingAddress (--ship-to)');
}

/** The raw order request, from --file or from the flags (not both). */
export function buildRequest(opts: PlaceOptions): { raw: unknown; fromFlags: boolean } {
  const flags = (['customer', 'item', 'shipTo', 'token', 'orderId', 'shipping'] as const).filter(
    (k) => opts[k] !== undefined,
  );
  if (opts.file !== undefined) {
    if (flags.length > 0) {
      throw invalid('--file: give the whole order in the file, or use --customer/--item/--ship-to/--token, not both');
    }
    return { raw: parseJson(readText(opts.file, '--file'), `--file ${opts.file}`), fromFlags: false };
  }
  const raw = {
    ...(opts.orderId !== undefined ? { orderId: opts.orderId } : {}),
    customerId: opts.customer,
    items: opts.item?.map(parseItem),
    shippingAddress: parseShipTo(opts.shipTo),
    payment: { method: 'card', token: opts.token },
    ...(opts.shipping !== undefined ? { shippingMethod: opts.shipping } : {}),
  };
  return { raw, fromFlags: true };
}

/** Validates with the workflow's schema; messages name the field (and the flag that sets it). */
export function validateRequest(raw: unknown, fromFlags: boolean) {
  const parsed = OrderInputSchema.safeParse(raw);
  if (parsed.success) return parseOrderInput(raw);
  const messages = parsed.error.issues.map((issue) => {
    const text = formatZodError({ issues: [issue] });
    const flag = fromFlags ? FLAG_FOR[String(issue.path[0] ?? '')] : undefined;
    return flag ? text.replace(/^([^:]+):/, `$1 (${flag}):`) : text;
  });
  throw invalid(`invalid order: ${[...new Set(messages)].join('; ')}`);
}

export async function place(opts: PlaceOptions): Promise<number> {
  let timeoutMs: number | undefined;
  if (opts.timeout !== undefined) {
    if (!opts.wait) throw invalid('--timeout: only with --wait');
    timeoutMs = parseDuration(opts.timeout);
    if (timeoutMs === undefined) throw invalid('--timeout: must be a duration such as 120s, 5m or 1500ms');
  } else if (opts.wait) {
    timeoutMs = parseDuration(DEFAULT_WAIT_TIMEOUT);
  }
  const backorderMs = parseBackorder(opts.backorder);
  const { raw, fromFlags } = buildRequest(opts);
  const order = validateRequest(raw, fromFlags);

  const config = loadConfig();
  const session = apiSession(config);
  // The order id is the Idempotency-Key: the same command again answers the same order, never a second.
  const body = {
    ...(raw as object),
    orderId: order.orderId,
    ...(backorderMs !== undefined ? { backorderWithinMs: backorderMs } : {}),
  };
  const { status } = await postOrder(session, body, order.orderId).catch((err: unknown) => {
    // No answer: it may have been placed. The same order id again answers that order, never a second.
    if (err instanceof CliError && err.exitCode === EXIT.FAILURE)
      throw operational(
        `${err.message}\nIts order id was ${order.orderId}: try again with --order-id ${order.orderId} (or "orderId" in the file) to place it at most once.`,
      );
    throw err;
  });
  const workflowId = orderWorkflowId(order.orderId);
  const url = workflowUrl(uiBase(config), config.TEMPORAL_NAMESPACE, workflowId);
  const result = { orderId: order.orderId, workflowId, url };
  // 200: this very request was placed before (a retried command): the same order, nothing new.
  if (!opts.json && status === 200)
    console.log(`Order ${order.orderId} was placed already by this same request: nothing new started  ${url}`);
  else if (!opts.json) console.log(`Placed order ${order.orderId} (workflow ${workflowId})  ${url}`);
  if (!opts.wait) {
    if (opts.json) printJson(result);
    else console.log(`Follow it with: orders watch ${order.orderId}`);
    return EXIT.OK;
  }
  return withContext(async (ctx) => {
    const { snapshot, exitCode } = await followAndReport(ctx, order.orderId, {
      json: opts.json,
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    });
    if (opts.json) printJson({ ...result, final: toStatusJson(snapshot, url) });
    return exitCode;
  });
}

/**
 * POST /v1/orders. With tracing on, the placement is a span of its own whose context travels in the
 * request's headers (W3C trace context), so the API's start of the workflow joins this trace.
 */
async function postOrder(session: { api: string; token: string }, body: object, orderId: string) {
  const exporter = loadConfig().OTEL_TRACES_EXPORTER;
  const say = { unprocessable: `orderId: ${orderId} was placed already, with another order: nothing new started` };
  const post = (headers: Record<string, string>) =>
    requestApi<OrderView>(session, 'POST', '/v1/orders', body, say, {
      'idempotency-key': `cli-${orderId}`,
      ...headers,
    });
  if (exporter === 'none') return post({});
  (await import('../runtime/tracing.js')).startTracing(exporter, 'durable-orders-cli');
  return otel.trace.getTracer('durable-orders-cli').startActiveSpan('PlaceOrder', async (span) => {
    try {
      const headers: Record<string, string> = {};
      otel.propagation.inject(otel.context.active(), headers);
      return await post(headers);
    } finally {
      span.end();
    }
  });
}
