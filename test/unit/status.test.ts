import {
  FAILURE_REASONS,
  IllegalTransition,
  ORDER_STATUSES,
  TERMINAL_STATUSES,
  TRANSITIONS,
  assertTransition,
  canTransition,
  cancellableBeforeShipment,
  cancellationTarget,
  isTerminal,
  undeliveredCents,
  type OrderStatus,
} from '../../src/domain';

function reachableFrom(start: OrderStatus): Set<OrderStatus> {
  const seen = new Set<OrderStatus>([start]);
  const queue = [start];
  for (let s = queue.shift(); s !== undefined; s = queue.shift()) {
    for (const next of TRANSITIONS[s]) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return seen;
}

const EXPECTED: [OrderStatus, OrderStatus][] = [
  ['Created', 'InventoryChecked'],
  ['Created', 'Cancelled'],
  ['InventoryChecked', 'InventoryReserved'],
  // Digital goods and gift cards reserve nothing.
  ['InventoryChecked', 'AwaitingApproval'],
  ['InventoryChecked', 'PaymentPending'],
  ['InventoryChecked', 'Cancelled'],
  // Back-order: short of stock, waiting for a restock or the deadline.
  ['InventoryChecked', 'Backordered'],
  ['Backordered', 'InventoryReserved'],
  ['Backordered', 'Cancelled'],
  ['InventoryReserved', 'AwaitingApproval'],
  ['InventoryReserved', 'PaymentPending'],
  ['InventoryReserved', 'Cancelled'],
  ['AwaitingApproval', 'PaymentPending'],
  ['AwaitingApproval', 'Cancelled'],
  ['PaymentPending', 'PaymentCompleted'],
  ['PaymentPending', 'PaymentFailed'],
  ['PaymentPending', 'Cancelled'],
  ['PaymentFailed', 'Cancelled'],
  ['PaymentCompleted', 'Processing'],
  ['PaymentCompleted', 'Refunded'],
  // A free order (total zero): nothing was charged, so nothing is refunded.
  ['PaymentCompleted', 'Cancelled'],
  ['Processing', 'Shipped'],
  // Nothing to ship: delivered once licences or gift codes are issued.
  ['Processing', 'Delivered'],
  ['Processing', 'Refunded'],
  ['Processing', 'Cancelled'],
  ['Shipped', 'Delivered'],
  ['Shipped', 'Refunded'],
];

describe('order status transitions', () => {
  it.each(EXPECTED)('%s -> %s is allowed', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(() => assertTransition(from, to)).not.toThrow();
  });

  it('allows nothing beyond the listed transitions', () => {
    const all = ORDER_STATUSES.flatMap((from) => TRANSITIONS[from].map((to) => `${from}->${to}`));
    expect(all.sort()).toEqual(EXPECTED.map(([f, t]) => `${f}->${t}`).sort());
  });

  it.each<[OrderStatus, OrderStatus]>([
    ['Created', 'PaymentCompleted'],
    ['Created', 'Shipped'],
    ['Created', 'Created'],
    ['InventoryChecked', 'PaymentCompleted'],
    ['Backordered', 'PaymentPending'],
    ['AwaitingApproval', 'PaymentCompleted'],
    ['PaymentFailed', 'PaymentCompleted'],
    ['PaymentFailed', 'Refunded'],
    ['Shipped', 'Cancelled'],
    ['Delivered', 'Refunded'],
    ['Cancelled', 'Created'],
    ['Refunded', 'Processing'],
  ])('%s -> %s throws IllegalTransition', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    expect(() => assertTransition(from, to)).toThrow(IllegalTransition);
    try {
      assertTransition(from, to);
    } catch (err) {
      expect(err).toBeInstanceOf(Error);
      expect((err as IllegalTransition).name).toBe('IllegalTransition');
      expect((err as IllegalTransition).from).toBe(from);
      expect((err as IllegalTransition).to).toBe(to);
      expect((err as Error).message).toContain(`${from} -> ${to}`);
    }
  });

  it('terminal statuses have no exits, and only they have none', () => {
    expect([...TERMINAL_STATUSES].sort()).toEqual(['Cancelled', 'Delivered', 'Refunded']);
    for (const s of ORDER_STATUSES) {
      expect(isTerminal(s)).toBe(TERMINAL_STATUSES.includes(s));
      expect(TRANSITIONS[s].length === 0).toBe(isTerminal(s));
    }
  });

  it('every status is reachable from Created', () => {
    expect([...reachableFrom('Created')].sort()).toEqual([...ORDER_STATUSES].sort());
  });

  it('every non-terminal status can eventually reach a terminal one', () => {
    for (const start of ORDER_STATUSES) {
      expect([...reachableFrom(start)].some(isTerminal)).toBe(true);
    }
  });
});

describe('cancellation', () => {
  it('is possible for every non-terminal status before Shipped', () => {
    const cancellable = ORDER_STATUSES.filter(cancellableBeforeShipment);
    expect(cancellable).toEqual([
      'Created',
      'InventoryChecked',
      'Backordered',
      'InventoryReserved',
      'AwaitingApproval',
      'PaymentPending',
      'PaymentCompleted',
      'PaymentFailed',
      'Processing',
    ]);
  });

  it('leads to Cancelled before payment and Refunded after, consistently with TRANSITIONS', () => {
    expect(cancellationTarget('PaymentPending')).toBe('Cancelled');
    expect(cancellationTarget('PaymentFailed')).toBe('Cancelled');
    expect(cancellationTarget('PaymentCompleted')).toBe('Refunded');
    expect(cancellationTarget('Processing')).toBe('Refunded');
    expect(cancellationTarget('Shipped')).toBeNull();
    expect(cancellationTarget('Delivered')).toBeNull();
    for (const s of ORDER_STATUSES) {
      const target = cancellationTarget(s);
      expect(target !== null).toBe(cancellableBeforeShipment(s));
      if (target) expect(canTransition(s, target)).toBe(true);
    }
  });
});

it('lists the failure reasons', () => {
  expect(FAILURE_REASONS).toHaveLength(14);
  expect(new Set(FAILURE_REASONS).size).toBe(14);
  expect(FAILURE_REASONS).toEqual(
    expect.arrayContaining([
      'fraud-suspected',
      'mixed-currency',
      'internal-error',
      'terminated-by-operator',
      'run-timed-out',
    ]),
  );
});

describe('settlement after a parcel left (undeliveredCents)', () => {
  const line = (sku: string, productType: 'physical' | 'digital', quantity: number, unitPriceCents: number) => ({
    sku,
    name: sku,
    quantity,
    unitPriceCents,
    lineTotalCents: quantity * unitPriceCents,
    productType,
  });
  it('refunds the units that did not leave and the lines never issued, not what shipped', () => {
    const lines = [line('A', 'physical', 3, 1_000), line('B', 'physical', 1, 500), line('L', 'digital', 1, 700)];
    const shipped = [{ sku: 'A', warehouseId: 'east', quantity: 2 }];
    expect(undeliveredCents({ lines, shipped, issuedSkus: [] })).toBe(1_000 + 500 + 700);
    expect(undeliveredCents({ lines, shipped, issuedSkus: ['L'] })).toBe(1_000 + 500);
    expect(
      undeliveredCents({
        lines,
        shipped: [
          ...shipped,
          { sku: 'A', warehouseId: 'west', quantity: 1 },
          { sku: 'B', warehouseId: 'west', quantity: 1 },
        ],
        issuedSkus: ['L'],
      }),
    ).toBe(0);
  });
});
