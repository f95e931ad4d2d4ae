/**
 * Back-orders: one long-running waitlist workflow per SKU (`backorder-<sku>`) holds the orders
 * waiting for it, first come first served. Pure types and names: the workflows, the activities that
 * join and leave, and the CLI's restock signal share them.
 */

/** One order waiting for `quantity` units of the waitlist's SKU. */
export interface WaitlistEntry {
  orderId: string;
  /** Where the release signal goes. */
  orderWorkflowId: string;
  quantity: number;
  /** When it joined (ISO 8601): its place in the queue. */
  joinedAt: string;
}

export interface WaitlistInput {
  sku: string;
  /** Carried across continue-as-new: the queue as the previous run left it. */
  waiting: WaitlistEntry[];
  /** How often a non-empty list looks at the stock by itself (stock freed by a cancelled order). */
  recheckMs: number;
  /**
   * Continue as new at this many history events even before the server suggests it (tests drive
   * the boundary with a small number; production leaves it to the server's suggestion).
   */
  historyLimit?: number;
  /** Runs so far (1 for the first): how many continue-as-new boundaries this entity has crossed. */
  generation?: number;
}

export interface WaitlistView {
  sku: string;
  waiting: WaitlistEntry[];
  released: number;
  generation: number;
}

/** A SKU short for an order: what the reservation said it needed. */
export interface Shortage {
  sku: string;
  needed: number;
}

export function backorderWorkflowId(sku: string, prefix = ''): string {
  return `${prefix}backorder-${sku}`;
}

/**
 * Whom a restock of `available` units releases: entries in queue order while each fits in what is
 * left; the first that does not fit stops the walk, so a large early order is not starved by small
 * later ones (strict first come, first served).
 */
export function releasable(waiting: readonly WaitlistEntry[], available: number): WaitlistEntry[] {
  const out: WaitlistEntry[] = [];
  let left = available;
  for (const entry of waiting) {
    if (entry.quantity > left) break;
    out.push(entry);
    left -= entry.quantity;
  }
  return out;
}

/** The reservation's OutOfStock details (`{ sku, needed, available }[]`), read defensively. */
export function shortagesOf(details: unknown): Shortage[] {
  const list = Array.isArray(details) && Array.isArray(details[0]) ? (details[0] as unknown[]) : details;
  if (!Array.isArray(list)) return [];
  return list.flatMap((d) => {
    const s = d as { sku?: unknown; needed?: unknown };
    return typeof s?.sku === 'string' && typeof s.needed === 'number' ? [{ sku: s.sku, needed: s.needed }] : [];
  });
}
