import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { DEFAULT_ADDRESSING } from './events/mail-message';
import { DEFAULT_MAIL_RETRY } from './events/mail-queue';

/**
 * Every setting the system reads from the environment, in one place, with its default.
 * docs/configuration.md lists every setting (test/docs/pages.test.ts checks it); keep them together.
 */
const durationMs = z.coerce.number().int().positive();

const ConfigSchema = z.object({
  DATABASE_URL: z.string().url().optional(),
  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_CLI: z.string().min(1).optional(),
  TEMPORAL_PORT: z.coerce.number().int().min(1).max(65535).default(7233),
  TEMPORAL_UI_PORT: z.coerce.number().int().min(1).max(65535).default(8233),
  TEMPORAL_UI_URL: z.string().url().optional(),
  PG_PORT: z.coerce.number().int().min(1).max(65535).default(5433),
  DATA_DIR: z.string().min(1).default('.data'),
  TASK_QUEUE_PREFIX: z
    .string()
    .regex(/^[\w.-]*$/)
    .default(''),
  WORKFLOW_BUNDLE_PATH: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
  APPROVAL_THRESHOLD_CENTS: z.coerce.number().int().nonnegative().default(100_000),
  APPROVERS: z.string().default('alice,bob'),
  APPROVAL_TIMEOUT_MS: durationMs.default(24 * 60 * 60 * 1000),
  TRANSIT_TIME_MS: durationMs.default(10_000),
  PAYMENT_WINDOW_MS: durationMs.default(15 * 60 * 1000),
  SANDBOX_CARRIER: z.enum(['on', 'off']).default('on'),
  // The sandbox carrier refuses to collect from these warehouses (comma-separated), after this long: partial failures on demand.
  SANDBOX_CARRIER_REFUSE_FROM: z.string().default(''),
  SANDBOX_CARRIER_REFUSE_AFTER_MS: durationMs.default(0),
  SANDBOX_PAYMENT_DELAY_MS: durationMs.default(3_000),
  CARRIER_DEADLINE_MS: durationMs.default(3 * 24 * 60 * 60 * 1000),
  /** How long a return's parcel may take to reach the warehouse; then the return expires (no refund). */
  RETURN_PARCEL_TIMEOUT_MS: durationMs.default(14 * 24 * 60 * 60 * 1000),
  COMPENSATION_ALERT_MS: durationMs.default(5 * 60 * 1000),
  // Every wait on PostgreSQL is bounded (src/db/pool.ts): a failed attempt is retried by Temporal.
  PG_CONNECT_TIMEOUT_MS: durationMs.default(5_000),
  PG_STATEMENT_TIMEOUT_MS: durationMs.default(15_000),
  PG_LOCK_TIMEOUT_MS: durationMs.default(5_000),
  SWEEPER_INTERVAL_MS: durationMs.default(5 * 60 * 1000),
  // The stranded-run watch (workflows/recovery.ts): how often, and how far back it looks at closed runs.
  STRANDED_WATCH_MS: durationMs.default(60 * 1000),
  STRANDED_LOOKBACK_MS: durationMs.default(24 * 60 * 60 * 1000),
  // Payload encryption (src/runtime/codec-keys.ts): keys inline, or a key file; default <DATA_DIR>/codec-keys.
  PAYLOAD_CODEC_KEYS: z.string().min(1).optional(),
  PAYLOAD_CODEC_KEY_FILE: z.string().min(1).optional(),
  // The codec server the Web UI decodes payloads through (npm start serves it on loopback).
  CODEC_SERVER_PORT: z.coerce.number().int().min(1).max(65535).default(8234),
  CODEC_SERVER_HOST: z.string().min(1).default('127.0.0.1'),
  CODEC_CORS_ORIGINS: z.string().optional(),
  // The sandbox payment provider's API (its card vault): npm start serves it; `orders place` calls it.
  PAYMENTS_API_PORT: z.coerce.number().int().min(1).max(65535).default(8235),
  PAYMENTS_API_HOST: z.string().min(1).default('127.0.0.1'),
  PAYMENTS_URL: z.string().url().optional(),
  // The sandbox carrier's booking API (src/providers/sandbox/carrier-api.ts); CARRIER_PROVIDER=http calls it.
  CARRIER_API_PORT: z.coerce.number().int().min(1).max(65535).default(8237),
  CARRIER_API_HOST: z.string().min(1).default('127.0.0.1'),
  ORDERS_API_PORT: z.coerce.number().int().min(1).max(65535).default(8238),
  ORDERS_API_HOST: z.string().min(1).default('127.0.0.1'),
  // Where the orders CLI's decisions go (default: the API npm start runs), and who it is there:
  // a session token (scripts), else the one `orders login` keeps in ORDERS_SESSION_FILE.
  ORDERS_API_URL: z.string().url().optional(),
  // Optional sign-in through the company's identity provider (src/api/oidc.ts): off unless
  // OIDC_ISSUER is set; then its client, and where it sends people back (default: ORDERS_API_URL's callback).
  OIDC_ISSUER: z.string().url().optional(),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET_FILE: z.string().min(1).optional(),
  OIDC_REDIRECT_URL: z.string().url().optional(),
  ORDERS_API_TOKEN: z.string().min(1).optional(),
  ORDERS_SESSION_FILE: z.string().min(1).optional(),
  CARRIER_URL: z.string().url().optional(),
  CARRIER_PROVIDER: z.enum(['in-process', 'http']).default('in-process'),
  // How the payments worker reaches the provider: in-process (the sandbox's code and table) or over
  // HTTP at PAYMENTS_URL behind a breaker, a bulkhead and a timeout (src/providers). npm start: http.
  PAYMENTS_PROVIDER: z.enum(['in-process', 'http']).default('in-process'),
  // Backpressure: each service's worker runs at most this many activities at once, and a worker
  // process's pool has this many connections per service it runs, so no activity waits for one.
  PG_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(10),
  // The payment provider's quota: activities per second on the payments queue, over all its workers.
  PAYMENTS_MAX_PER_SECOND: z.coerce.number().positive().optional(),
  // Prometheus: business metrics (prom-client) and the Temporal SDK's own, each worker process its own ports.
  METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  SDK_METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  // Tracing (src/runtime/tracing.ts): `otlp` sends spans to OTEL_EXPORTER_OTLP_ENDPOINT; off by default.
  OTEL_TRACES_EXPORTER: z.enum(['none', 'otlp', 'console']).default('none'),
  // Catalog cache (activities/catalog/store/cache.ts): Redis shared by the workers, and how long entries live.
  REDIS_URL: z.string().url().optional(),
  CATALOG_CACHE_TTL_MS: durationMs.optional(),
  // Admission control (orders place): refuse a new order while this many run (0: no limit).
  MAX_ORDERS_IN_FLIGHT: z.coerce.number().int().min(0).max(10_000_000).default(1000),
  PAYMENTS_TIMEOUT_MS: durationMs.default(10_000),
  PAYMENTS_BREAKER_FAILURES: z.coerce.number().int().min(1).max(1000).default(5),
  PAYMENTS_BREAKER_HALF_OPEN_MS: durationMs.default(10_000),
  PAYMENTS_BULKHEAD_LIMIT: z.coerce.number().int().min(1).max(1000).default(10),
  PAYMENTS_BULKHEAD_QUEUE: z.coerce.number().int().min(0).max(10_000).default(20),
  // Events (src/events): with a broker the outbox is relayed and consumers run; without, events wait in the outbox.
  AMQP_URL: z.string().url().optional(),
  RELAY_POLL_MS: durationMs.default(200),
  // How the sandbox carrier sends its updates: through the broker's carrier.events queue, or as direct signals.
  SANDBOX_CARRIER_VIA: z.enum(['auto', 'broker', 'signal']).default('auto'),
  // Mail (src/events/mail-sender.ts): with SMTP_URL every notification is also mailed; without, rows only.
  // PostgreSQL keeps no addresses: they are made from the customer id or staff name (src/events/mail-message.ts).
  SMTP_URL: z
    .string()
    .url()
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
    .optional(),
  MAIL_FROM: z.string().min(3).default(DEFAULT_ADDRESSING.from),
  MAIL_CUSTOMER_ADDRESS: z
    .string()
    .includes('{customerId}', { message: 'must contain {customerId}' })
    .default(DEFAULT_ADDRESSING.customerAddress),
  MAIL_STAFF_ADDRESS: z
    .string()
    .includes('{name}', { message: 'must contain {name}' })
    .default(DEFAULT_ADDRESSING.staffAddress),
  MAIL_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(DEFAULT_MAIL_RETRY.maxAttempts),
  // The sandbox mail sink `npm start` runs and points SMTP_URL at (src/providers/sandbox/mail-sink.ts).
  MAIL_SINK_PORT: z.coerce.number().int().min(1).max(65535).default(2525),
  MAIL_SINK_HOST: z.string().min(1).default('127.0.0.1'),
  CARRIER_WEBHOOK_PORT: z.coerce.number().int().min(1).max(65535).default(8236),
  CARRIER_WEBHOOK_HOST: z.string().min(1).default('127.0.0.1'),
  // The HMAC key the carrier signs webhook bodies with (src/events/webhook-signature.ts); required off loopback.
  CARRIER_WEBHOOK_SECRET: z.string().min(32).optional(),
  CARRIER_WEBHOOK_SECRET_FILE: z.string().min(1).optional(),
  // Signed decisions (src/runtime/decision-keys.ts): the Orders API's Ed25519 key; the workers' public keys.
  DECISION_SIGNING_KEY: z.string().min(1).optional(),
  DECISION_SIGNING_KEY_FILE: z.string().min(1).optional(),
  DECISION_PUBLIC_KEYS: z.string().min(1).optional(),
  DECISION_PUBLIC_KEYS_FILE: z.string().min(1).optional(),
  // Schedules (orders schedules apply): the nightly reconciliation and the outbox-lag check.
  RECONCILE_CRON: z.string().min(1).default('0 3 * * *'),
  OUTBOX_LAG_CHECK_MS: durationMs.default(5 * 60 * 1000),
  OUTBOX_LAG_ALERT_MS: durationMs.default(5 * 60 * 1000),
  // Worker Deployments (src/runtime/worker-version.ts): every worker declares its version; routing by it is opt-in.
  WORKER_VERSIONING: z.enum(['off', 'auto-upgrade', 'pinned']).default('off'),
  WORKER_DEPLOYMENT_NAME: z
    .string()
    .regex(/^[\w.-]{1,100}$/)
    .default('durable-orders'),
  WORKER_BUILD_ID: z
    .string()
    .regex(/^[\w.+-]{1,100}$/)
    .optional(),
});

export type Config = z.infer<typeof ConfigSchema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  return parsed.data;
}

/** The pool timeouts configured for this process (see createPool). */
export function poolTimeouts(config: Config) {
  return {
    connectTimeoutMs: config.PG_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: config.PG_STATEMENT_TIMEOUT_MS,
    lockTimeoutMs: config.PG_LOCK_TIMEOUT_MS,
  };
}

/** Where `orders place` exchanges card tokens: PAYMENTS_URL, or the API `npm start` serves. */
export function paymentsUrl(config: Config): string {
  return config.PAYMENTS_URL ?? `http://127.0.0.1:${config.PAYMENTS_API_PORT}`;
}

export function carrierUrl(config: Config): string {
  return config.CARRIER_URL ?? `http://127.0.0.1:${config.CARRIER_API_PORT}`;
}

/**
 * An unused catalog entry goes after this long. Changes do not wait for it: PostgreSQL announces
 * every one (activities/catalog/store/cache.ts), so it only bounds memory and Redis.
 */
export function catalogTtlMs(config: Config): number {
  return config.CATALOG_CACHE_TTL_MS ?? 10 * 60_000;
}

/** The sandbox carrier's refusals (src/providers/sandbox/carrier.ts), from SANDBOX_CARRIER_REFUSE_FROM/_AFTER_MS. */
export function sandboxCarrierOptions(config: Config) {
  return {
    refuseFrom: config.SANDBOX_CARRIER_REFUSE_FROM.split(',')
      .map((w) => w.trim())
      .filter(Boolean),
    refuseAfterMs: config.SANDBOX_CARRIER_REFUSE_AFTER_MS,
  };
}

/** The payments provider client's resilience policy (src/providers/resilience.ts). */
export function paymentsResilience(config: Config) {
  return {
    timeoutMs: config.PAYMENTS_TIMEOUT_MS,
    breakerFailures: config.PAYMENTS_BREAKER_FAILURES,
    halfOpenAfterMs: config.PAYMENTS_BREAKER_HALF_OPEN_MS,
    bulkheadLimit: config.PAYMENTS_BULKHEAD_LIMIT,
    bulkheadQueue: config.PAYMENTS_BULKHEAD_QUEUE,
  };
}

/** What `orders schedules apply` and `npm start` give the schedules (src/runtime/schedules.ts). */
export function scheduleSettings(config: Config) {
  return {
    taskQueuePrefix: config.TASK_QUEUE_PREFIX,
    intervalMs: config.SWEEPER_INTERVAL_MS,
    reconcileCron: config.RECONCILE_CRON,
    outboxLagCheckMs: config.OUTBOX_LAG_CHECK_MS,
    outboxLagAlertMs: config.OUTBOX_LAG_ALERT_MS,
    strandedWatchMs: config.STRANDED_WATCH_MS,
    strandedLookbackMs: config.STRANDED_LOOKBACK_MS,
  };
}

/** The mail sender's settings, or undefined without SMTP_URL (notifications stay rows). */
export function mailSettings(config: Config, smtpUrl = config.SMTP_URL) {
  if (!smtpUrl) return undefined;
  return {
    smtpUrl,
    addressing: {
      from: config.MAIL_FROM,
      customerAddress: config.MAIL_CUSTOMER_ADDRESS,
      staffAddress: config.MAIL_STAFF_ADDRESS,
    },
    retry: { maxAttempts: config.MAIL_MAX_ATTEMPTS },
  };
}

/** The carrier webhook's HMAC key: CARRIER_WEBHOOK_SECRET, else the file CARRIER_WEBHOOK_SECRET_FILE names; none on loopback. */
export function carrierWebhookSecret(config: Config): string | undefined {
  if (config.CARRIER_WEBHOOK_SECRET || !config.CARRIER_WEBHOOK_SECRET_FILE) return config.CARRIER_WEBHOOK_SECRET;
  const secret = readFileSync(config.CARRIER_WEBHOOK_SECRET_FILE, 'utf8').trim();
  if (secret.length < 32)
    throw new Error(`CARRIER_WEBHOOK_SECRET_FILE: ${config.CARRIER_WEBHOOK_SECRET_FILE} must hold 32+ characters`);
  return secret;
}

/** The Orders API the CLI talks to: ORDERS_API_URL, or the one `npm start` serves. */
export function ordersApiUrl(config: Config): string {
  return (config.ORDERS_API_URL ?? `http://${config.ORDERS_API_HOST}:${config.ORDERS_API_PORT}`).replace(/\/+$/, '');
}

/** OIDC login's settings (src/api/oidc.ts), checked: the issuer, its client and the callback URL. */
export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUrl: string;
}

const OIDC_CALLBACK_PATH = '/v1/session/oidc/callback';
const OIDC_VARIABLES = [
  'OIDC_CLIENT_ID',
  'OIDC_CLIENT_SECRET',
  'OIDC_CLIENT_SECRET_FILE',
  'OIDC_REDIRECT_URL',
] as const;

/**
 * OIDC login's settings, or undefined when OIDC_ISSUER is unset (OIDC off). Throws, naming the
 * variable, on anything that would only fail later at a person's sign-in.
 */
export function oidcSettings(config: Config): OidcSettings | undefined {
  if (!config.OIDC_ISSUER) {
    const stray = OIDC_VARIABLES.find((name) => config[name] !== undefined);
    if (stray) throw new Error(`${stray}: set without OIDC_ISSUER; set OIDC_ISSUER to turn OIDC login on`);
    return undefined;
  }
  if (!config.OIDC_CLIENT_ID) throw new Error('OIDC_CLIENT_ID: required when OIDC_ISSUER is set');
  const redirectUrl = config.OIDC_REDIRECT_URL ?? `${ordersApiUrl(config)}${OIDC_CALLBACK_PATH}`;
  requireTls('OIDC_ISSUER', config.OIDC_ISSUER);
  requireTls(config.OIDC_REDIRECT_URL ? 'OIDC_REDIRECT_URL' : 'ORDERS_API_URL', redirectUrl);
  if (new URL(redirectUrl).pathname !== OIDC_CALLBACK_PATH)
    throw new Error(`OIDC_REDIRECT_URL: must end in ${OIDC_CALLBACK_PATH} (the API's callback), not ${redirectUrl}`);
  return {
    issuer: config.OIDC_ISSUER,
    clientId: config.OIDC_CLIENT_ID,
    clientSecret: oidcClientSecret(config),
    redirectUrl,
  };
}

/** Codes and tokens travel through these URLs: TLS, except on this machine (a developer's provider). */
function requireTls(name: string, url: string): void {
  const { protocol, hostname } = new URL(url);
  const loopback = hostname === 'localhost' || hostname === '[::1]' || hostname.startsWith('127.');
  if (protocol !== 'https:' && !(protocol === 'http:' && loopback))
    throw new Error(`${name}: must be an https:// URL (http:// only on loopback), not ${url}`);
}

function oidcClientSecret(config: Config): string {
  if (config.OIDC_CLIENT_SECRET && config.OIDC_CLIENT_SECRET_FILE)
    throw new Error('OIDC_CLIENT_SECRET_FILE: set together with OIDC_CLIENT_SECRET; set one of them');
  if (config.OIDC_CLIENT_SECRET) return config.OIDC_CLIENT_SECRET;
  const file = config.OIDC_CLIENT_SECRET_FILE;
  if (!file) throw new Error('OIDC_CLIENT_SECRET: required when OIDC_ISSUER is set (or OIDC_CLIENT_SECRET_FILE)');
  let secret: string;
  try {
    secret = readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new Error(`OIDC_CLIENT_SECRET_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code})`, {
      cause: err,
    });
  }
  if (!secret) throw new Error(`OIDC_CLIENT_SECRET_FILE: ${file} is empty`);
  return secret;
}
