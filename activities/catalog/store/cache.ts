/**
 * Catalog reads for pricing, in layers: an in-process LRU (lru-cache, which also coalesces
 * concurrent misses of one SKU into one load), then Redis when REDIS_URL is set (shared by every
 * worker), then PostgreSQL. With Redis, a Bloom filter of the known SKUs answers "no such SKU"
 * without touching Redis or the database (a flood of made-up SKUs cannot reach them).
 *
 * Freshness comes from PostgreSQL itself: a trigger announces every catalog change on the channel
 * `catalog_changed` (migrations/0013), whoever wrote it, and every cache LISTENs: it drops its entry
 * and Redis's, adds the SKU to its filter, and reads it from PostgreSQL for a moment (a worker that
 * had not heard yet may have put the old row back in Redis). A read that was under way when the
 * notice came is done again. A LISTEN connection that dropped may have missed notices: it drops
 * everything, here and in Redis, when it is back, and trusts no filter until it is rebuilt. CATALOG_CACHE_TTL_MS only bounds how long an unused entry stays.
 * An order's prices are fixed once, when it is priced, either way.
 */
import { BloomFilter } from 'bloom-filters';
import { readCatalog } from './items';
import type Redis from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { Pool } from 'pg';
import { listen } from '../../../src/db/listen';
import type { Catalog } from '../../../src/domain';
import { logger } from '../../../src/logger';
import { catalogLookups } from '../../../src/runtime/metrics';

type Item = Catalog[string];

/** Redis away: the read goes to PostgreSQL (a cache is never a reason for an order to wait). */
const redisAway = (err: unknown): undefined => {
  logger.debug({ err }, 'catalog cache: Redis unavailable; reading PostgreSQL');
  return undefined;
};
const MISSING = 'missing' as const;
type Entry = Item | typeof MISSING;

/** The channel migrations/0013's trigger announces catalog changes on: a SKU, or `*` for all. */
export const CATALOG_CHANGES = 'catalog_changed';
const BLOOM_REBUILD_MS = 60_000;
/** A read overtaken by a change is done again; a SKU changing this often is read from the last answer. */
const MAX_READS = 3;
/** How long after a change a SKU is read from PostgreSQL, not Redis (longer than any notice takes to arrive). */
const FRESH_READ_MS = 2_000;
const redisKey = (sku: string) => `catalog:item:${sku}`;

export interface CatalogCacheOptions {
  pool: Pool;
  /** A connected client for reads and writes (the shared layer). */
  redis?: { client: Redis };
  ttlMs: number;
  maxEntries?: number;
}

export interface CatalogCache {
  items(skus: readonly string[]): Promise<Catalog>;
  stats(): { hits: number; misses: number; dbLoads: number; bloomRejects: number };
  close(): Promise<void>;
}

export async function createCatalogCache(opts: CatalogCacheOptions): Promise<CatalogCache> {
  const { pool, redis } = opts;
  const stats = { hits: 0, misses: 0, dbLoads: 0, bloomRejects: 0 };
  let bloom: BloomFilter | undefined;
  /** SKUs heard of while the filter is rebuilt: the new filter learns them too. */
  let heardDuringRebuild: Set<string> | undefined;
  /**
   * SKUs changed a moment ago, until when: their reads skip Redis (another worker that had not heard
   * yet may have written the old row there), go to PostgreSQL and write Redis afresh.
   */
  const freshUntil = new Map<string, number>();

  async function fromDatabase(sku: string): Promise<Entry> {
    stats.dbLoads += 1;
    return (await readCatalog(pool, [sku]))[sku] ?? MISSING;
  }

  const lru = new LRUCache<string, Entry>({
    max: opts.maxEntries ?? 10_000,
    ttl: opts.ttlMs,
    fetchMethod: async (sku, _stale, { signal }) => {
      stats.misses += 1;
      catalogLookups.inc({ layer: 'miss' });
      if (bloom && !bloom.has(sku)) {
        stats.bloomRejects += 1;
        catalogLookups.inc({ layer: 'bloom' });
        return undefined; // answered "no such SKU", not kept: the filter is asked again next time
      }
      const recent = (freshUntil.get(sku) ?? 0) > Date.now();
      const cached = redis && !recent ? await redis.client.get(redisKey(sku)).catch(redisAway) : undefined;
      if (cached) {
        catalogLookups.inc({ layer: 'redis' });
        return JSON.parse(cached) as Entry;
      }
      const entry = await fromDatabase(sku);
      catalogLookups.inc({ layer: 'database' });
      // A change heard meanwhile (the delete aborted this read): what it read may be the old row.
      if (!signal.aborted)
        await redis?.client.set(redisKey(sku), JSON.stringify(entry), 'PX', opts.ttlMs).catch(redisAway);
      return entry;
    },
  });

  /** A change heard: the entry goes here and in Redis (whichever cache hears first), the filter learns the SKU. */
  const changed = (sku: string) => {
    if (sku === '*') return changedAll();
    lru.delete(sku); // also aborts a read of it under way: fetchFresh reads again
    bloom?.add(sku);
    heardDuringRebuild?.add(sku);
    freshUntil.set(sku, Date.now() + FRESH_READ_MS);
    void redis?.client.del(redisKey(sku)).catch(redisAway);
    logger.debug({ sku }, 'catalog change heard: entry dropped');
  };
  /** Everything may have changed (a TRUNCATE, or notices missed while the LISTEN was down). */
  const changedAll = () => {
    lru.clear();
    freshUntil.clear();
    if (!redis) return;
    bloom = undefined; // no "no such SKU" from a filter that may be old, until it is rebuilt
    void purgeRedis(redis.client).catch(redisAway);
    void buildBloom().catch(redisAway);
  };

  // Every SKU there is now, rebuilt every minute: a deleted SKU leaves the filter within a minute.
  const buildBloom = async () => {
    const heard = (heardDuringRebuild = new Set());
    try {
      const { rows } = await pool.query<{ sku: string }>('SELECT sku FROM catalog_items');
      const fresh = BloomFilter.create(Math.max(1_000, rows.length * 2), 0.01);
      for (const sku of [...rows.map((r) => r.sku), ...heard]) fresh.add(sku);
      bloom = fresh;
    } finally {
      if (heardDuringRebuild === heard) heardDuringRebuild = undefined;
    }
    for (const [sku, until] of freshUntil) if (until <= Date.now()) freshUntil.delete(sku);
  };
  let rebuild: NodeJS.Timeout | undefined;
  if (redis) {
    await buildBloom();
    rebuild = setInterval(() => void buildBloom().catch(redisAway), BLOOM_REBUILD_MS).unref();
  }
  const listening = await listen(pool, { channel: CATALOG_CHANGES, onNotice: changed, onReconnect: changedAll });

  /** The entry, read again when a change overtook the read (lru-cache rejects a fetch its delete aborted). */
  const fetchFresh = async (sku: string): Promise<Entry | undefined> => {
    for (let read = 1; ; read++) {
      try {
        return await lru.fetch(sku);
      } catch (err) {
        if (read >= MAX_READS || !isOvertaken(err)) throw err;
      }
    }
  };

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
          const entry = await fetchFresh(sku);
          if (entry && entry !== MISSING) catalog[sku] = entry;
        }),
      );
      return catalog;
    },
    stats: () => ({ ...stats }),
    async close() {
      clearInterval(rebuild);
      await listening.close();
      await redis?.client.quit().catch(() => undefined);
    },
  };
}

/** Every shared entry goes (after notices were missed, any of them may be old). */
async function purgeRedis(client: Redis): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', redisKey('*'), 'COUNT', 500);
    if (keys.length > 0) await client.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/** lru-cache's rejection of a fetch that a delete, an eviction or a newer value cut short. */
function isOvertaken(err: unknown): boolean {
  return err instanceof Error && ['deleted', 'evicted', 'replaced'].includes(err.message);
}
