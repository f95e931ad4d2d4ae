/**
 * Static checks of docker-compose.yml, the Dockerfile and .dockerignore: the wiring the rest of the
 * project relies on. Parses files only; needs no Docker and no server.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { SEARCH_ATTRIBUTES } from '../src/runtime/search-attributes';

const ROOT = path.join(__dirname, '..');
const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');

interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  ports?: (string | number | { target?: number | string; published?: number | string })[];
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  healthcheck?: { test?: string | string[] };
  entrypoint?: string | string[];
  command?: string | string[];
}

interface ComposeFile {
  version?: unknown;
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

// merge: the worker services share their settings through a YAML anchor (`<<: *worker`).
const compose = parse(read('docker-compose.yml'), { merge: true }) as ComposeFile;

function service(name: string): Service {
  const s = compose.services[name];
  if (!s) throw new Error(`docker-compose.yml has no service ${name}`);
  return s;
}

/** `environment` as a map, whichever of the two compose syntaxes it uses. */
function env(name: string): Record<string, string> {
  const raw = service(name).environment ?? {};
  if (Array.isArray(raw)) {
    return Object.fromEntries(
      raw.map((entry) => {
        const i = entry.indexOf('=');
        return i < 0 ? [entry, ''] : [entry.slice(0, i), entry.slice(i + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

/** depends_on as service -> condition (the short list syntax means service_started). */
function dependsOn(name: string): Record<string, string> {
  const raw = service(name).depends_on ?? {};
  if (Array.isArray(raw)) return Object.fromEntries(raw.map((dep) => [dep, 'service_started']));
  return Object.fromEntries(Object.entries(raw).map(([dep, v]) => [dep, v.condition ?? 'service_started']));
}

/** Everything the container runs (entrypoint + command), as one string to search. */
function script(name: string): string {
  const { entrypoint, command } = service(name);
  return [entrypoint, command]
    .flat()
    .filter((part): part is string => typeof part === 'string')
    .join('\n');
}

/** Published ports as "host:container" (the host IP, if any, dropped). */
function ports(name: string): string[] {
  return (service(name).ports ?? []).map((p) => {
    if (typeof p === 'object') return `${p.published}:${p.target}`;
    const parts = String(p).split(':');
    return parts.slice(-2).join(':');
  });
}

const SERVICES = [
  'codec-keys',
  'codec-server',
  'events',
  'grafana',
  'postgresql',
  'orders-api',
  'prometheus',
  'decision-keys',
  'webhook-secret',
  'rabbitmq',
  'redis',
  'sandbox-carrier',
  'sandbox-payments',
  'schedules',
  'temporal-admin-tools',
  'temporal',
  'temporal-create-namespace',
  'temporal-ui',
  'worker-fulfilment',
  'worker-inventory',
  'worker-orders',
  'worker-payments',
  'worker-shipping',
  'worker-returns',
] as const;

/** One container per service worker (worker.ts --service NAME). */
const WORKERS = ['orders', 'inventory', 'payments', 'shipping', 'fulfilment', 'returns'].map((s) => `worker-${s}`);

describe('docker-compose.yml', () => {
  test('uses the compose spec (no version key) and has every service', () => {
    expect(compose.version).toBeUndefined();
    expect(Object.keys(compose.services).sort()).toEqual([...SERVICES].sort());
  });

  test('every image is pinned: no latest, no untagged image, no deprecated auto-setup', () => {
    const images = Object.entries(compose.services)
      .filter(([, s]) => s.image !== undefined)
      .map(([name, s]) => [name, s.image as string] as const);
    expect(images.length).toBeGreaterThanOrEqual(5);
    for (const [name, image] of images) {
      const tag = /^[^@]+:([\w.-]+)$/.exec(image)?.[1];
      expect({ name, image, tag: tag ?? 'none' }).toEqual({
        name,
        image,
        tag: expect.not.stringMatching(/^(none|latest)$/),
      });
      expect(image).not.toMatch(/auto-setup/);
    }
  });

  test('postgresql: postgres 16 with a pg_isready healthcheck, a named volume and the orders database', () => {
    const pg = service('postgresql');
    expect(pg.image).toMatch(/^postgres:16(\.|$|-)/);
    expect([pg.healthcheck?.test].flat().join(' ')).toContain('pg_isready');
    const volumes = (pg.volumes ?? []).map((v) => (typeof v === 'string' ? v.split(':')[0] : v.source));
    const named = volumes.filter((v): v is string => !!v && !v.startsWith('.') && !v.startsWith('/'));
    expect(named.length).toBeGreaterThan(0);
    for (const v of named) expect(Object.keys(compose.volumes ?? {})).toContain(v);
    expect(env('postgresql').POSTGRES_DB).toBe('orders');
  });

  test('temporal-admin-tools: one-shot schema job for temporal and temporal_visibility on postgres12', () => {
    const job = service('temporal-admin-tools');
    expect(job.image).toMatch(/^temporalio\/admin-tools:/);
    expect(dependsOn('temporal-admin-tools')).toEqual({ postgresql: 'service_healthy' });
    expect(env('temporal-admin-tools')).toMatchObject({ SQL_PLUGIN: 'postgres12', SQL_HOST: 'postgresql' });
    const sh = script('temporal-admin-tools');
    expect(sh).toContain('temporal-sql-tool');
    for (const word of ['create-database', 'setup-schema', 'update-schema', 'temporal_visibility'])
      expect(sh).toContain(word);
    expect(sh).toContain('/etc/temporal/schema/postgresql/v12');
  });

  test('temporal: plain server image on PostgreSQL persistence, after the schema job completes', () => {
    const temporal = service('temporal');
    expect(temporal.image).toMatch(/^temporalio\/server:/);
    // admin-tools carries the schema for its own server version: the two must match.
    const tag = (image?: string): string | undefined => image?.split(':')[1];
    expect(tag(temporal.image)).toBe(tag(service('temporal-admin-tools').image));
    expect(tag(temporal.image)).toBe(tag(service('temporal-create-namespace').image));
    expect(env('temporal')).toMatchObject({
      DB: 'postgres12',
      DB_PORT: '5432',
      POSTGRES_SEEDS: 'postgresql',
      BIND_ON_IP: '0.0.0.0',
    });
    expect(env('temporal').POSTGRES_USER).toBeTruthy();
    expect(env('temporal').POSTGRES_PWD).toBeTruthy();
    expect(dependsOn('temporal')['temporal-admin-tools']).toBe('service_completed_successfully');
    expect(ports('temporal')).toContain('7233:7233');
  });

  test('temporal-create-namespace: creates the namespace and registers exactly our search attributes', () => {
    expect(service('temporal-create-namespace').image).toMatch(/^temporalio\/admin-tools:/);
    expect(Object.keys(dependsOn('temporal-create-namespace'))).toContain('temporal');
    const e = env('temporal-create-namespace');
    expect(e.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(e.NAMESPACE).toBe('default');
    const declared = Object.fromEntries(
      (e.SEARCH_ATTRIBUTES ?? '')
        .trim()
        .split(/\s+/)
        .map((pair) => pair.split('=') as [string, string]),
    );
    expect(declared).toEqual(SEARCH_ATTRIBUTES);
    const sh = script('temporal-create-namespace');
    expect(sh).toContain('temporal operator namespace create');
    expect(sh).toContain('temporal operator search-attribute create');
    expect(sh).toMatch(/\$\$\{?SEARCH_ATTRIBUTES/); // the loop reads the list above, not a copy of it
  });

  test('temporal-ui: published on 8080 and pointed at temporal:7233', () => {
    expect(service('temporal-ui').image).toMatch(/^temporalio\/ui:/);
    expect(ports('temporal-ui')).toContain('8080:8080');
    expect(env('temporal-ui').TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  test('workers: one container per service, each running only its service; payments has two replicas', () => {
    for (const name of WORKERS) {
      expect(script(name)).toBe(['node', 'dist/worker.js', '--service', name.replace('worker-', '')].join('\n'));
      expect(env(name)).toEqual(env('worker-orders')); // one set of settings for all (the anchor)
    }
    expect((service('worker-payments') as { deploy?: { replicas?: number } }).deploy?.replicas).toBe(2);
  });

  test('worker: built from the Dockerfile, with DATABASE_URL and TEMPORAL_ADDRESS, after the namespace job', () => {
    const { build } = service('worker-orders');
    const b = typeof build === 'string' ? { context: build } : build;
    expect(b?.context).toBe('.');
    expect(b?.dockerfile ?? 'Dockerfile').toBe('Dockerfile');
    const e = env('worker-orders');
    expect(e.TEMPORAL_ADDRESS).toBe('temporal:7233');
    const url = new URL(e.DATABASE_URL ?? '');
    expect(url.protocol).toBe('postgres:');
    expect(url.hostname).toBe('postgresql');
    expect(url.pathname).toBe(`/${env('postgresql').POSTGRES_DB}`);
    expect(decodeURIComponent(url.username)).toBe(env('postgresql').POSTGRES_USER);
    expect(decodeURIComponent(url.password)).toBe(env('postgresql').POSTGRES_PASSWORD);
    expect(dependsOn('worker-orders')['temporal-create-namespace']).toBe('service_completed_successfully');
  });

  test('payload encryption: worker and codec-server share the key file that the codec-keys job makes', () => {
    expect(script('codec-keys')).toContain('dist/scripts/codec-keys.js ensure --file /keys/codec-keys');
    for (const name of [...WORKERS, 'codec-server']) {
      expect(env(name).PAYLOAD_CODEC_KEY_FILE).toBe('/keys/codec-keys');
      expect(service(name).volumes).toContain('codec-keys:/keys:ro');
      expect(dependsOn(name)['codec-keys']).toBe('service_completed_successfully');
    }
    expect(service('codec-keys').volumes).toContain('codec-keys:/keys');
    expect(Object.keys(compose.volumes ?? {})).toContain('codec-keys');
  });

  test('sandbox-payments: the vault the CLI calls, on the host loopback, on the orders database', () => {
    expect(script('sandbox-payments')).toContain('dist/scripts/sandbox-payments.js');
    expect(service('sandbox-payments').ports).toEqual([`127.0.0.1:${env('sandbox-payments').PAYMENTS_API_PORT}:8235`]);
    expect(env('sandbox-payments').DATABASE_URL).toBe(env('worker-orders').DATABASE_URL);
    // The payments worker calls the provider's service over HTTP (its breaker and bulkhead).
    expect(env('worker-orders')).toMatchObject({
      PAYMENTS_PROVIDER: 'http',
      PAYMENTS_URL: 'http://sandbox-payments:8235',
    });
    // The workers migrate the schema (the vault's table included) before it is used.
    expect(Object.keys(dependsOn('sandbox-payments'))).toContain('worker-orders');
  });

  test("orders-api: the storefronts' way in, on the host loopback, with the workers' key and database", () => {
    expect(script('orders-api')).toContain('dist/scripts/api.js');
    expect(service('orders-api').ports).toEqual([`127.0.0.1:${env('orders-api').ORDERS_API_PORT}:8238`]);
    expect(env('orders-api')).toMatchObject({
      DATABASE_URL: env('worker-orders').DATABASE_URL,
      TEMPORAL_ADDRESS: env('worker-orders').TEMPORAL_ADDRESS,
      PAYLOAD_CODEC_KEY_FILE: '/keys/codec-keys',
      PAYMENTS_URL: 'http://sandbox-payments:8235',
    });
    expect(service('orders-api').volumes).toContain('codec-keys:/keys:ro');
    // The workers migrate the schema (the API's tables included) before it is used.
    expect(Object.keys(dependsOn('orders-api'))).toEqual(expect.arrayContaining(['worker-orders', 'codec-keys']));
  });

  test('decision keys: only orders-api holds the signing key; every worker holds its public half', () => {
    expect(script('decision-keys')).toContain('dist/scripts/decision-keys.js ensure');
    expect(env('orders-api').DECISION_SIGNING_KEY_FILE).toBe('/decision-signing/decision-signing-key');
    expect(service('orders-api').volumes).toContain('decision-signing:/decision-signing:ro');
    for (const [name, s] of Object.entries(compose.services)) {
      if (name === 'orders-api' || name === 'decision-keys') continue;
      expect({ name, mounts: (s.volumes ?? []).map(String) }).not.toEqual({
        name,
        mounts: expect.arrayContaining([expect.stringMatching(/^decision-signing:/)]),
      });
    }
    for (const worker of WORKERS) {
      expect(env(worker).DECISION_PUBLIC_KEYS_FILE).toBe('/decision-public/decision-public-keys');
      expect(service(worker).volumes).toContain('decision-public:/decision-public:ro');
      expect(Object.keys(dependsOn(worker))).toContain('decision-keys');
    }
  });

  test('sandbox-carrier: the booking API the shipping workers call, on the host loopback', () => {
    expect(script('sandbox-carrier')).toContain('dist/scripts/sandbox-carrier.js');
    expect(service('sandbox-carrier').ports).toEqual([`127.0.0.1:${env('sandbox-carrier').CARRIER_API_PORT}:8237`]);
    expect(env('sandbox-carrier').DATABASE_URL).toBe(env('worker-shipping').DATABASE_URL);
    expect(env('worker-shipping')).toMatchObject({
      CARRIER_PROVIDER: 'http',
      CARRIER_URL: 'http://sandbox-carrier:8237',
    });
    // The workers migrate the schema (the bookings table included) before it is used.
    expect(Object.keys(dependsOn('sandbox-carrier'))).toContain('worker-orders');
  });

  test('rabbitmq: healthchecked, on the host loopback only; worker and events service use it', () => {
    expect(service('rabbitmq').image).toMatch(/^rabbitmq:[\d.]+-management$/);
    expect([service('rabbitmq').healthcheck?.test].flat().join(' ')).toContain('rabbitmq-diagnostics');
    expect(service('rabbitmq').ports).toEqual(['127.0.0.1:5672:5672', '127.0.0.1:15672:15672']);
    for (const name of ['worker-orders', 'events']) expect(new URL(env(name).AMQP_URL ?? '').hostname).toBe('rabbitmq');
    // The inbox runs in the events service, not beside the carrier: the worker must publish to it.
    expect(env('worker-orders').SANDBOX_CARRIER_VIA).toBe('broker');
    expect(dependsOn('events').rabbitmq).toBe('service_healthy');
  });

  test('events: the relay, notifications and carrier inbox, with the webhook on the host loopback', () => {
    const cmd = script('events');
    for (const part of ['relay', 'notifications', 'carrier-events']) expect(cmd).toContain(part);
    expect(cmd).toContain('dist/worker.js');
    expect(env('events').DATABASE_URL).toBe(env('worker-orders').DATABASE_URL);
    expect(env('events').CARRIER_WEBHOOK_HOST).toBe('0.0.0.0');
    // Off loopback, only signed bodies: the secret the webhook-secret job makes, mounted read-only.
    expect(env('events').CARRIER_WEBHOOK_SECRET_FILE).toBe('/webhook/carrier-webhook-secret');
    expect(service('events').volumes).toContain('webhook-secret:/webhook:ro');
    expect(Object.keys(dependsOn('events'))).toContain('webhook-secret');
    expect(script('webhook-secret')).toContain('/webhook/carrier-webhook-secret');
    expect(service('events').ports).toEqual([`127.0.0.1:${env('events').CARRIER_WEBHOOK_PORT}:8236`]);
    expect(service('events').volumes).toContain('codec-keys:/keys:ro');
  });

  test('prometheus and grafana: scrape both endpoints of the worker; the dashboard reads metrics that exist', () => {
    const scrape = parse(read('deploy/prometheus.yml')) as {
      scrape_configs: Array<{ dns_sd_configs: Array<{ names: string[]; port: number }> }>;
    };
    const jobs = scrape.scrape_configs.flatMap((c) => c.dns_sd_configs);
    expect(jobs.map((j) => j.port)).toEqual([
      Number(env('worker-orders').METRICS_PORT),
      Number(env('worker-orders').SDK_METRICS_PORT),
    ]);
    for (const job of jobs) expect([...job.names].sort()).toEqual([...WORKERS].sort());
    expect(env('worker-orders').METRICS_HOST).toBe('0.0.0.0');
    expect(service('prometheus').volumes).toContain('./deploy/prometheus.yml:/etc/prometheus/prometheus.yml:ro');
    expect(service('grafana').volumes).toContain('./deploy/grafana/dashboards:/var/lib/grafana/dashboards:ro');
    const dashboard = JSON.parse(read('deploy/grafana/dashboards/orders.json')) as {
      panels: Array<{ targets: Array<{ expr: string }> }>;
    };
    const metricsSource = read('src/runtime/metrics.ts');
    const names = dashboard.panels.flatMap((p) => p.targets.flatMap((t) => t.expr.match(/[a-z_]+(?=[{[])/g) ?? []));
    const ours = [...new Set(names)].filter(
      (n) => !n.startsWith('temporal_') && !['rate', 'sum', 'max', 'increase', 'histogram_quantile'].includes(n),
    );
    expect(ours.length).toBeGreaterThan(4);
    for (const name of ours)
      expect({ name, defined: metricsSource.includes(`'${name.replace(/_bucket$/, '')}'`) }).toEqual({
        name,
        defined: true,
      });
  });

  test('redis: the workers read the catalog through it', () => {
    expect(service('redis').image).toMatch(/^redis:[\d.]+$/);
    expect(service('redis').ports).toEqual(['127.0.0.1:6379:6379']);
    expect(env('worker-orders').REDIS_URL).toBe('redis://redis:6379');
  });

  test('schedules: a one-shot `orders schedules apply` once the workers run', () => {
    expect(script('schedules')).toContain('dist/client.js\nschedules\napply');
    expect(env('schedules').TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(env('schedules').PAYLOAD_CODEC_KEY_FILE).toBe('/keys/codec-keys');
    expect(Object.keys(dependsOn('schedules'))).toContain('worker-orders');
  });

  test('codec-server: on the host loopback only, called by the Web UI it allows (CORS)', () => {
    const published = service('codec-server').ports ?? [];
    expect(published).toEqual([`127.0.0.1:${env('codec-server').CODEC_SERVER_PORT}:8234`]);
    expect(script('codec-server')).toContain('dist/scripts/codec-server.js');
    // The browser calls the endpoint: it is the host's address, and the UI's origin must be allowed.
    expect(env('temporal-ui').TEMPORAL_CODEC_ENDPOINT).toBe('http://localhost:8234');
    const uiPort = ports('temporal-ui')[0]!.split(':')[0];
    expect(env('codec-server').CODEC_CORS_ORIGINS).toBe(`http://localhost:${uiPort}`);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  test('is multi-stage on node:20-bookworm-slim, builds and prunes dev dependencies', () => {
    const froms = instructions.filter((l) => /^FROM\s/i.test(l));
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const from of froms) expect(from).toMatch(/^FROM\s+node:20-bookworm-slim(\s|$)/i);
    expect(dockerfile).toMatch(/npm ci\b/);
    expect(dockerfile).toMatch(/npm run build\b/);
    expect(dockerfile).toMatch(/npm prune --omit=dev\b/);
  });

  test('runs dist/worker.js', () => {
    const cmd = instructions.filter((l) => /^CMD\s/i.test(l)).at(-1);
    expect(cmd).toBeDefined();
    expect(JSON.parse((cmd as string).replace(/^CMD\s+/i, ''))).toEqual(['node', 'dist/worker.js']);
  });

  test('.dockerignore keeps local state out of the build context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim().replace(/^\/|\/$/g, ''));
    for (const entry of ['node_modules', 'dist', '.data', '.git', 'test-output']) expect(ignored).toContain(entry);
  });
});
