/** Backpressure settings: each service's worker takes only what its connections and its provider can run. */
import { loadConfig } from '../../src/config';
import { slotsFor } from '../../activities/workers';

test('activity slots follow PG_POOL_SIZE; payments also the bulkhead and the provider quota', () => {
  const config = loadConfig({ PG_POOL_SIZE: '12', PAYMENTS_BULKHEAD_LIMIT: '4', PAYMENTS_BULKHEAD_QUEUE: '2' });
  expect(slotsFor('orders', config)).toEqual({
    maxConcurrentActivityTaskExecutions: 12,
    maxConcurrentLocalActivityExecutions: 12,
  });
  expect(slotsFor('inventory', config)).toEqual({ maxConcurrentActivityTaskExecutions: 12 });
  expect(slotsFor('payments', config)).toEqual({ maxConcurrentActivityTaskExecutions: 6 });
  const quota = loadConfig({ PAYMENTS_MAX_PER_SECOND: '5' });
  expect(slotsFor('payments', quota)).toEqual({
    maxConcurrentActivityTaskExecutions: 10,
    maxTaskQueueActivitiesPerSecond: 5,
  });
});
