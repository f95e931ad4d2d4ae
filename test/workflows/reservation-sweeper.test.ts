import type { Pool } from 'pg';
import { ensureReservationSweeperSchedule } from '../../src/runtime/schedules';
import { recoveryWorkflowId } from '../../src/domain';
import { reservationSweeperWorkflow } from '../../workflows/reservation-sweeper';
import type { orderRecoveryWorkflow } from '../../workflows/recovery';
import {
  carrierEvent,
  carrierInboxEvent,
  orderRequest,
  place,
  seedSku,
  stockOf,
  testSettings,
  uid,
  waitForView,
} from '../support/orders';
import { startTestWorkers, type TestWorkers } from '../support/workers';

let stack: TestWorkers;
beforeAll(async () => {
  stack = await startTestWorkers();
});
afterAll(() => stack.stop());

/** One pass of the sweeper on this file's queues. */
function sweep() {
  return stack.client.workflow.execute(reservationSweeperWorkflow, {
    taskQueue: stack.ordersQueue,
    workflowId: uid('sweep'),
    args: [{ limit: 1000 }],
  });
}

async function reservationStatus(pool: Pool, orderId: string): Promise<string | undefined> {
  const { rows } = await pool.query('SELECT status FROM reservations WHERE order_id = $1', [orderId]);
  return rows[0]?.status;
}

test('an expired reservation whose order has no workflow is released: stock back, reservation CANCELLED', async () => {
  const sku = await seedSku(stack.pool, { priceCents: 500, stock: { east: 10 } });
  const orderId = uid('abandoned');
  await stack.pool.query(
    `INSERT INTO reservations (order_id, status, expires_at) VALUES ($1, 'TRIED', now() - interval '1 minute')`,
    [orderId],
  );
  await stack.pool.query(
    `INSERT INTO reservation_lines (order_id, sku, warehouse_id, quantity) VALUES ($1, $2, 'east', 3)`,
    [orderId, sku],
  );
  await stack.pool.query(`UPDATE stock SET reserved = 3 WHERE sku = $1`, [sku]);

  const { released } = await sweep();
  expect(released).toContain(orderId);
  expect(await stockOf(stack.pool, sku)).toEqual({ east: { onHand: 10, reserved: 0 } });
  expect(await reservationStatus(stack.pool, orderId)).toBe('CANCELLED');

  // A second pass finds nothing more to do for it.
  expect((await sweep()).released).not.toContain(orderId);
  expect(await stockOf(stack.pool, sku)).toEqual({ east: { onHand: 10, reserved: 0 } });
});

test('an expired reservation of a running order is left alone; once the order is terminated it is released', async () => {
  // 2,000.00: waits for approval (60 s timeout), holding its reservation.
  const sku = await seedSku(stack.pool, { priceCents: 200_000, stock: { east: 2 } });
  const { handle, orderId } = await place(
    stack.client,
    orderRequest({ items: [{ sku, quantity: 1 }] }),
    testSettings(),
    stack.prefix,
  );
  try {
    await waitForView(handle, (v) => v.status === 'AwaitingApproval');
    await stack.pool.query(`UPDATE reservations SET expires_at = now() - interval '1 minute' WHERE order_id = $1`, [
      orderId,
    ]);

    expect((await sweep()).released).not.toContain(orderId);
    expect(await reservationStatus(stack.pool, orderId)).toBe('TRIED');
    expect(await stockOf(stack.pool, sku)).toEqual({ east: { onHand: 2, reserved: 1 } });
  } finally {
    await handle.terminate('test: abandon the order');
  }

  // Terminated: no compensation ran, so only the sweeper gives the unit back.
  expect(await reservationStatus(stack.pool, orderId)).toBe('TRIED');
  expect((await sweep()).released).toContain(orderId);
  expect(await reservationStatus(stack.pool, orderId)).toBe('CANCELLED');
  expect(await stockOf(stack.pool, sku)).toEqual({ east: { onHand: 2, reserved: 0 } });
});

test('a reservation whose parcel left is never released: the order is recovered, its units confirmed as gone', async () => {
  const sku = await seedSku(stack.pool, { priceCents: 900, stock: { east: 3 } });
  const { handle, orderId } = await place(
    stack.client,
    orderRequest({ items: [{ sku, quantity: 1 }] }),
    testSettings({ sandboxCarrier: false }),
    stack.prefix,
  );
  const booked = await waitForView(handle, (v) => v.shipments.some((s) => s.status === 'Booked'));
  await carrierEvent(stack.client, booked, 'picked-up');
  await waitForView(handle, (v) => v.pointOfNoReturn !== undefined);
  await handle.terminate('test: abandon the order after its pickup');
  await stack.pool.query(`UPDATE reservations SET expires_at = now() - interval '1 minute' WHERE order_id = $1`, [
    orderId,
  ]);

  const pass = await sweep();
  expect(pass.released).not.toContain(orderId);
  expect(pass.recovering).toContain(orderId);
  // The parcel is on its way; its delivery, recorded by the carrier's inbox (its follower, the order,
  // has closed), lets the recovery finish: it watches the shipments table.
  expect(await carrierInboxEvent(stack.client, stack.pool, booked.shipments[0]!.shipmentId, 'delivered')).toBe(
    'handled',
  );
  const recovered = await stack.client.workflow
    .getHandle<typeof orderRecoveryWorkflow>(recoveryWorkflowId(orderId))
    .result();
  expect(recovered).toMatchObject({ outcome: 'settled', status: 'Delivered', refundedCents: 0 });
  expect(await reservationStatus(stack.pool, orderId)).toBe('CONFIRMED');
  expect(await stockOf(stack.pool, sku)).toEqual({ east: { onHand: 2, reserved: 0 } });
});

test('the schedule is created once and updated by later calls', async () => {
  // A prefix of its own: should the schedule fire during the test, it starts on a queue no worker polls.
  const prefix = `${uid('sched')}-`;
  const first = await ensureReservationSweeperSchedule(stack.client, { taskQueuePrefix: prefix, intervalMs: 300_000 });
  const handle = stack.client.schedule.getHandle(first);
  try {
    expect(first).toBe(`${prefix}reservation-sweeper`);
    const second = await ensureReservationSweeperSchedule(stack.client, {
      taskQueuePrefix: prefix,
      intervalMs: 120_000,
    });
    expect(second).toBe(first);

    const described = await handle.describe();
    expect(described.spec.intervals).toEqual([expect.objectContaining({ every: 120_000 })]);
    expect(described.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: 'reservationSweeperWorkflow',
      taskQueue: `${prefix}orders`,
    });
    expect(described.policies.overlap).toBe('SKIP');

    // Visibility is eventually consistent: wait for the listing, then it holds exactly one.
    const deadline = Date.now() + 15_000;
    let ids: string[] = [];
    while (Date.now() < deadline) {
      ids = [];
      for await (const s of stack.client.schedule.list()) if (s.scheduleId.startsWith(prefix)) ids.push(s.scheduleId);
      if (ids.length > 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(ids).toEqual([first]);
  } finally {
    await handle.delete();
  }
});
