/**
 * Catalog reads for pricing, in layers: an in-process LRU (lru-cache, which also coalesces
 * concurrent misses of one SKU into one load), then Redis when REDIS_URL is set (shared by every
 * worker), then PostgreSQL. With Redis, a Bloom filter of the known SKUs answers "no such SKU"
 * without touching Redis or the database (a flood of made-up SKUs cannot reach them), and
 * `orders catalog upsert` reaches every worker at once over pub/sub (their entries go, a new SKU
 * joins their filter). Without Redis, entries live CATALOG_CACHE_TTL_MS, so a change reaches
 * new orders within that. An order's prices are fixed once, when it is priced, either way.
 */
import { BloomFilter } from 'bloom-filters';
import { readCatalog } from '../../activities/catalog';
import type Redis from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { Pool } from 'pg';
import type { Catalog } from '../domain';
import { logger } from '../logger';
import { catalogLookups } from './metrics';

type Item = Catalog[string];

/** Redis away: the read goes to PostgreSQL (a cache is never a reason for an order to wait). */
const redisAway = (err: unknown): undefined => {
  logger.debug({ err }, 'catalog cache: Redis unavailable; reading PostgreSQL');
  return undefined;
};
const MISSING = 'missing' as const;
type Entry = Item | typeof MISSING;

export const INVALIDATION_CHANNEL = 'catalog:invalidate';
const BLOOM_REBUILD_MS = 60_000;
const redisKey = (sku: string) => `catalog:item:${sku}`;

export interface CatalogCacheOptions {
  pool: Pool;
  /** A connected client for reads and writes, and one for the subscription (Redis needs its own). */
  redis?: { client: Redis; subscriber: Redis };
  ttlMs: number;
  maxEntries?: number;
}

export interface CatalogCache {
  items(skus: readonly string[]): Promise<Catalog>;
  /** Drops these SKUs here (the pub/sub handler and a local upsert call it). */
  forget(skus: readonly string[]): void;
  stats(): { hits: number; misses: number; dbLoads: number; bloomRejects: number };
  close(): Promise<void>;
}

/** Resolves when the connection is ready, or after 5 s (a Redis that is away: commands queue meanwhile). */
function untilReady(connection: Redis): Promise<void> {
  if (connection.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 5_000);
    connection.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export async function createCatalogCache(opts: CatalogCacheOptions): Promise<CatalogCache> {
  const { pool, redis } = opts;
  const stats = { hits: 0, misses: 0, dbLoads: 0, bloomRejects: 0 };
  let bloom: BloomFilter | undefined;

  async function fromDatabase(sku: string): Promise<Entry> {
    stats.dbLoads += 1;
    return (await readCatalog(pool, [sku]))[sku] ?? MISSING;
  }

  const lru = new LRUCache<string, Entry>({
    max: opts.maxEntries ?? 10_000,
    ttl: opts.ttlMs,
    fetchMethod: async (sku) => {
      stats.misses += 1;
      catalogLookups.inc({ layer: 'miss' });
      if (bloom && !bloom.has(sku)) {
        stats.bloomRejects += 1;
        catalogLookups.inc({ layer: 'bloom' });
        return MISSING;
      }
      const cached = redis ? await redis.client.get(redisKey(sku)).catch(redisAway) : undefined;
      if (cached) {
        catalogLookups.inc({ layer: 'redis' });
        return JSON.parse(cached) as Entry;
      }
      const entry = await fromDatabase(sku);
      catalogLookups.inc({ layer: 'database' });
      await redis?.client.set(redisKey(sku), JSON.stringify(entry), 'PX', opts.ttlMs).catch(redisAway);
      return entry;
    },
  });

  const forget = (skus: readonly string[]) => {
    for (const sku of skus) {
      lru.delete(sku);
      bloom?.add(sku); // a new SKU must not be refused by the filter
    }
  };

  // Every SKU there is now; rebuilt every minute, so a SKU written around `catalog upsert` (SQL,
  // another tool) is refused for a minute at most.
  const buildBloom = async () => {
    const { rows } = await pool.query<{ sku: string }>('SELECT sku FROM catalog_items');
    const fresh = BloomFilter.create(Math.max(1_000, rows.length * 2), 0.01);
    for (const r of rows) fresh.add(r.sku);
    bloom = fresh;
  };
  let rebuild: NodeJS.Timeout | undefined;
  if (redis) {
    await buildBloom();
    rebuild = setInterval(() => void buildBloom().catch(redisAway), BLOOM_REBUILD_MS).unref();
    // Subscribe only once connected: a SUBSCRIBE that goes before ioredis's own connect-time
    // commands puts the connection in subscriber mode under them, they fail ("only subscriber
    // commands may be used", ioredis #2037), and this worker would not hear of changes.
    await untilReady(redis.subscriber);
    await redis.subscriber.subscribe(INVALIDATION_CHANNEL);
    redis.subscriber.on('message', (channel: string, message: string) => {
      if (channel !== INVALIDATION_CHANNEL) return;
      forget([message]);
      logger.debug({ sku: message }, 'catalog change heard: entry dropped');
    });
  }

  return {
    async items(skus) {
      const catalog: Record<string, Item> = {};
      await Promise.all(
        [...new Set(skus)].map(async (sku) => {
          const known = lru.has(sku);
          if (known) {
            stats.hits += 1;
            catalogLookups.inc({ layer: 'memory' });
          }
          const entry = await lru.fetch(sku);
          if (entry && entry !== MISSING) catalog[sku] = entry;
        }),
      );
      return catalog;
    },
    forget,
    stats: () => ({ ...stats }),
    async close() {
      clearInterval(rebuild);
      if (redis) {
        await redis.subscriber.quit().catch(() => undefined);
        await redis.client.quit().catch(() => undefined);
      }
    },
  };
}

/**
 * After `catalog upsert`: the shared entry goes, and every worker drops its own (and learns the SKU).
 * Without Redis there is nothing to tell: workers' entries expire within CATALOG_CACHE_TTL_MS.
 */
export async function announceCatalogChange(redis: Redis, sku: string): Promise<void> {
  await redis.del(redisKey(sku));
  const heard = await redis.publish(INVALIDATION_CHANNEL, sku);
  logger.debug({ sku, heard }, 'catalog change announced');
}
