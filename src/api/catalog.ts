/**
 * The catalog over the API: anyone signed in reads it (`GET /v1/catalog`); an admin creates or
 * changes an item and its stock at a warehouse (`PUT /v1/catalog/{sku}`), by the same rules as
 * `orders catalog upsert` (src/domain/catalog-item.ts) and through the catalog's own store. A
 * restock tells the SKU's back-order waitlist, as the CLI does.
 */
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Pool } from 'pg';
import { z } from 'zod';
import { listCatalog, upsertCatalogItem } from '../../activities/catalog/store/items';
import { SkuSchema, checkCatalogItem } from '../domain';
import { waitlistsVia } from '../runtime/waitlists';
import { logger } from '../logger';
import { principalOf } from './principal';
import { sendProblem } from './problem';

// Shapes only; the item's rules, with their messages, are checkCatalogItem's.
const ItemBody = z.object({
  name: z.unknown(),
  priceCents: z.unknown(),
  currency: z.unknown(),
  productType: z.unknown().optional(),
  releaseAt: z.unknown().optional(),
  onHand: z.unknown().optional(),
  warehouseId: z.unknown().optional(),
});

export function catalogRoutes(app: FastifyInstance, deps: { client: Client; pool: Pool; taskQueuePrefix?: string }) {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get(
    '/v1/catalog',
    { schema: { summary: 'Every catalog item with its stock per warehouse (storefronts and staff)' } },
    async (request, reply) =>
      // Stock per warehouse is the shop's business, not a customer's.
      principalOf(request).kind === 'customer'
        ? sendProblem(reply, 403, 'Forbidden', 'role: a customer does not read the catalog here')
        : { items: await listCatalog(deps.pool) },
  );
  api.put(
    '/v1/catalog/:sku',
    {
      schema: {
        summary: 'Create or change a catalog item and its stock at a warehouse (admin)',
        params: z.object({ sku: SkuSchema }),
        body: ItemBody,
      },
    },
    async (request, reply) => {
      const who = principalOf(request);
      if (who.kind !== 'staff' || who.role !== 'admin')
        return sendProblem(reply, 403, 'Forbidden', 'role: only an admin changes the catalog');
      const checked = checkCatalogItem({ ...request.body, sku: request.params.sku });
      if (!checked.ok)
        return sendProblem(
          reply,
          400,
          'Invalid catalog item',
          checked.problems.map(([f, why]) => `${f}: ${why}`).join('; '),
        );
      const result = await upsertCatalogItem(deps.pool, checked.item);
      if (!result.ok)
        return result.reason === 'unknown-warehouse'
          ? sendProblem(
              reply,
              400,
              'Invalid catalog item',
              `warehouseId: no warehouse "${result.warehouseId ?? ''}" (known: ${result.known.join(', ') || 'none'})`,
            )
          : sendProblem(
              reply,
              409,
              'Below reserved',
              `onHand: ${result.reserved} units are reserved at ${result.warehouseId}; on hand cannot go below that`,
            );
      if (result.warehouseId)
        await waitlistsVia(deps.client, deps.taskQueuePrefix ?? '')
          .restocked(checked.item.sku)
          .catch((err: unknown) =>
            logger.warn(
              { err, sku: checked.item.sku },
              'restock saved; its waitlist could not be told (it rechecks within a minute)',
            ),
          );
      return reply.code(result.created ? 201 : 200).send({ created: result.created, item: result.item });
    },
  );
}
