/**
 * Business metrics of a worker process (prom-client), served on METRICS_PORT at /metrics: orders by
 * terminal status and reason, placement → terminal time, compensations run, provider call latency
 * and breaker state. The SDK's own metrics (task latencies, slots, polls) come from the Temporal
 * runtime's Prometheus exporter on SDK_METRICS_PORT (src/runtime/runtime.ts). One registry per process.
 */
import { createServer } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { listen, type Listening } from './http-listen';

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'orders_worker_' });

export const ordersEnded = new Counter({
  name: 'orders_terminal_total',
  help: 'Orders that reached a terminal status, by status and failure reason',
  labelNames: ['status', 'reason'] as const,
  registers: [registry],
});

export const orderDuration = new Histogram({
  name: 'order_placement_to_terminal_seconds',
  help: 'From placement to Delivered, Cancelled or Refunded',
  labelNames: ['status'] as const,
  buckets: [0.5, 1, 2, 5, 10, 30, 60, 300, 1800, 3600, 86_400],
  registers: [registry],
});

export const compensations = new Counter({
  name: 'order_compensations_total',
  help: 'Compensations that undid something (stock released, authorization voided, capture refunded)',
  labelNames: ['step'] as const,
  registers: [registry],
});

export const providerCalls = new Histogram({
  name: 'provider_call_seconds',
  help: 'Calls to an external provider, by outcome (ok, fault, refused, open, busy)',
  labelNames: ['provider', 'outcome'] as const,
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

export const catalogLookups = new Counter({
  name: 'catalog_cache_lookups_total',
  help: 'Catalog lookups by where they were answered: memory (hit), miss, then bloom (unknown SKU), redis or database',
  labelNames: ['layer'] as const,
  registers: [registry],
});

const BREAKER_VALUE = { closed: 0, 'half-open': 1, open: 2, isolated: 3 } as const;
const breakers = new Map<string, () => keyof typeof BREAKER_VALUE>();

new Gauge({
  name: 'provider_breaker_state',
  help: 'Circuit breaker of each provider client: 0 closed, 1 half-open, 2 open, 3 isolated',
  labelNames: ['provider'] as const,
  registers: [registry],
  collect() {
    for (const [provider, state] of breakers) this.set({ provider }, BREAKER_VALUE[state()]);
  },
});

/** A provider client reports its breaker (read at each scrape). */
export function watchBreaker(provider: string, state: () => keyof typeof BREAKER_VALUE): void {
  breakers.set(provider, state);
}

/** An order reached a terminal status now (counted once: by the write that moved it there). */
export function orderEnded(status: string, reason: string | undefined, placedAt: Date): void {
  ordersEnded.inc({ status, reason: reason ?? 'none' });
  orderDuration.observe({ status }, Math.max(0, (Date.now() - placedAt.getTime()) / 1000));
}

export function startMetricsServer(port: number, host = '127.0.0.1'): Promise<Listening> {
  const server = createServer((req, res) => {
    if (new URL(req.url ?? '/', 'http://metrics').pathname !== '/metrics') {
      res.writeHead(404).end('see /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  return listen(server, port, host);
}
