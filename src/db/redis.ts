/**
 * Redis (ioredis) for the catalog cache's shared layer. A Redis that is away costs cache hits,
 * never an order: a command fails after one reconnect attempt and the cache reads PostgreSQL.
 * (Changes are announced by PostgreSQL itself: activities/catalog/store/cache.ts.)
 */
import Redis from 'ioredis';
import { logger } from '../logger';

export function redisClient(url: string, name: string): Redis {
  const redis = new Redis(url, {
    connectionName: `durable-orders ${name}`,
    enableOfflineQueue: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
  });
  // A connection that drops reconnects by itself; its errors are worth a log line, not a crash
  // (without a listener ioredis reports each as an unhandled error event).
  redis.on('error', (err: Error) => logger.warn({ err: err.message, connection: name }, 'Redis connection error'));
  return redis;
}

export function connectRedis(url: string): { client: Redis } {
  return { client: redisClient(url, 'catalog cache') };
}
