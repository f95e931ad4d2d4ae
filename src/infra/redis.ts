/**
 * Redis (ioredis) for the catalog cache: a client for reads, writes and announcements, and one for
 * the subscription (a subscribed connection can do nothing else). A Redis that is away costs cache
 * hits, never an order: a command fails after one reconnect attempt and the cache reads PostgreSQL.
 */
import Redis from 'ioredis';

export function redisClient(url: string, name: string): Redis {
  return new Redis(url, {
    connectionName: `durable-orders ${name}`,
    enableOfflineQueue: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
  });
}

export function connectRedis(url: string): { client: Redis; subscriber: Redis } {
  return { client: redisClient(url, 'catalog cache'), subscriber: redisClient(url, 'catalog invalidations') };
}
