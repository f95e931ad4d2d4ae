/**
 * Redis (ioredis) for the catalog cache: a client for reads, writes and announcements, and one for
 * the subscription (a subscribed connection can do nothing else). A Redis that is away costs cache
 * hits, never an order: a command fails after one reconnect attempt and the cache reads PostgreSQL.
 */
import Redis from 'ioredis';
import { logger } from '../logger';

export function redisClient(url: string, name: string, opts: { subscriber?: boolean } = {}): Redis {
  const redis = new Redis(url, {
    connectionName: `durable-orders ${name}`,
    // A subscriber skips the ready check: its INFO, sent after a SUBSCRIBE that went first, fails in
    // subscriber mode (ioredis issue #2037) and leaves the connection deaf.
    enableReadyCheck: !opts.subscriber,
    enableOfflineQueue: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
  });
  // A connection that drops reconnects by itself; its errors are worth a log line, not a crash
  // (without a listener ioredis reports each as an unhandled error event).
  redis.on('error', (err: Error) => logger.warn({ err: err.message, connection: name }, 'Redis connection error'));
  return redis;
}

export function connectRedis(url: string): { client: Redis; subscriber: Redis } {
  return {
    client: redisClient(url, 'catalog cache'),
    subscriber: redisClient(url, 'catalog invalidations', { subscriber: true }),
  };
}
