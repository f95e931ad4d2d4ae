/**
 * `GET /v1/orders/{orderId}/events`: the order's transitions as Server-Sent Events, live. Each
 * entry of its history is one `transition` event (`id` its position, so a reconnect with
 * Last-Event-ID resumes after it); `end` comes once the order has ended, and the stream closes.
 * The order's own view is read from its workflow once a second (the status query) while someone
 * listens, so nothing runs for orders nobody watches.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { IdSchema, isTerminal } from '../domain';
import { readOrderView, readOrderViewAs, type OrdersApiDeps } from './orders';
import { principalOf, stillValid } from './principal';
import { sendProblem } from './problem';

const POLL_MS = 1_000;

export function eventRoutes(app: FastifyInstance, deps: OrdersApiDeps & { pollMs?: number }): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/orders/:orderId/events',
    {
      schema: {
        summary: "The order's transitions as Server-Sent Events, until it ends (a storefront: its own; staff: any)",
        params: z.object({ orderId: IdSchema }),
        headers: z.object({
          'last-event-id': z
            .string()
            .regex(/^\d{1,6}$/)
            .optional(),
        }),
      },
    },
    async (request, reply) => {
      const { orderId } = request.params;
      const who = principalOf(request);
      const first = await readOrderViewAs(deps, who, orderId);
      if (!first) return sendProblem(reply, 404, 'Order not found', `orderId: no order ${orderId}`);
      const after = Number(request.headers['last-event-id'] ?? -1);
      // Each poll asks again whether the caller may still read: a logout or a disabled key ends the stream.
      const read = async () => ((await stillValid(deps.pool, who)) ? readOrderViewAs(deps, who, orderId) : undefined);
      return stream(reply, after, first, read, deps.pollMs ?? POLL_MS);
    },
  );
}

type View = NonNullable<Awaited<ReturnType<typeof readOrderView>>>;

async function stream(
  reply: FastifyReply,
  after: number,
  first: View,
  read: () => Promise<View | undefined>,
  pollMs: number,
) {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no', // a proxy in front must not hold the stream back
  });
  let open = true;
  res.on('close', () => (open = false));
  let sent = after;
  for (let view: View | undefined = first; open && view;) {
    view.history.forEach((h, i) => {
      if (i > sent) res.write(`id: ${i}\nevent: transition\ndata: ${JSON.stringify(h)}\n\n`);
    });
    sent = Math.max(sent, view.history.length - 1);
    if (isTerminal(view.status)) {
      res.write(`event: end\ndata: ${JSON.stringify({ status: view.status })}\n\n`);
      break;
    }
    await new Promise((r) => setTimeout(r, pollMs));
    view = open ? await read().catch(() => undefined) : undefined;
  }
  res.end();
}
