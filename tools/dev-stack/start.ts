/**
 * `npm start`: the whole stack in one foreground process tree.
 * Temporal (TEMPORAL_ADDRESS, or a dev server with the Web UI and a SQLite file under .data/),
 * PostgreSQL (DATABASE_URL, or embedded under .data/pg), migrations, the sandbox providers (payments,
 * carrier, a mail sink unless SMTP_URL is given), the Orders API, and every service's worker.
 * Ctrl-C drains the workers, then stops the database and the server we started.
 */
import path from 'node:path';
import { runWorkers } from '../../worker';
import { carrierWebhookSecret, loadConfig, poolTimeouts, scheduleSettings } from '../../src/config';
import { defaultKeyFile, ensureKeyFile, loadKeyring } from '../../src/runtime/codec-keys';
import { defaultSigningKeyFile, ensureSigningKeyFile } from '../../src/runtime/decision-keys';
import { firstRunAdmin } from '../../src/api/staff';
import { createPool } from '../../src/db/pool';
import { corsOriginsFrom, startCodecServer } from '../../src/runtime/codec-server';
import { AesGcmPayloadCodec } from '../../src/runtime/payload-codec';
import { isPortFree } from './ports';
import { startNodeProcess } from './node-process';
import { ProcessRegistry } from './processes';
import { redactUrl } from '../../src/events/amqp';
import { applySchedules } from '../../src/runtime/schedules';
import { buildId } from '../../src/runtime/worker-version';
import { startEmbeddedPostgres, type Database } from './postgres';
import { ensureTemporal, type TemporalTarget } from './temporal';
import { logger } from '../../src/logger';

const say = (line: string) => process.stdout.write(`${line}\n`);

async function requireFreePort(port: number, what: string, hint: string): Promise<void> {
  if (!(await isPortFree(port))) throw new Error(`Port ${port} (${what}) is already in use. ${hint}`);
}

async function main(): Promise<void> {
  const config = loadConfig();
  const dataDir = path.resolve(config.DATA_DIR);
  const stops: Array<() => Promise<void>> = [];
  let workersRunning = false;
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err) => logger.warn({ err }, 'stop failed'));
  };
  // Before the workers run, Ctrl-C must still stop what has started; after, the SDK's own
  // handler drains the workers and the flow below stops the rest in order.
  const onSignal = () => {
    if (workersRunning) return;
    say('\nStopping...');
    void stopAll().then(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  if (!config.TEMPORAL_ADDRESS) {
    await requireFreePort(
      config.TEMPORAL_PORT,
      'Temporal gRPC',
      'Stop the other server, set TEMPORAL_PORT, or use it with TEMPORAL_ADDRESS=127.0.0.1:7233.',
    );
    await requireFreePort(config.TEMPORAL_UI_PORT, 'Temporal Web UI', 'Set TEMPORAL_UI_PORT to another port.');
  }
  await requireFreePort(config.CODEC_SERVER_PORT, 'codec server', 'Set CODEC_SERVER_PORT to another port.');

  // Payloads are encrypted (src/runtime/payload-codec.ts). Without keys given, the first run makes some.
  if (!config.PAYLOAD_CODEC_KEYS && !config.PAYLOAD_CODEC_KEY_FILE && ensureKeyFile(defaultKeyFile(config)))
    say(`Created a payload encryption key in ${defaultKeyFile(config)} (keep it: it decrypts this stack's history).`);
  // Decisions are signed (src/runtime/decision-keys.ts): the API signs, the workers verify with its public half.
  const signingFile = defaultSigningKeyFile(config);
  if (!config.DECISION_SIGNING_KEY && !config.DECISION_SIGNING_KEY_FILE && ensureSigningKeyFile(signingFile))
    say(`Created the decision signing key in ${signingFile} (whoever holds it can approve orders: keep it secret).`);
  const codecServer = await startCodecServer({
    codec: new AesGcmPayloadCodec(loadKeyring(config)),
    port: config.CODEC_SERVER_PORT,
    host: config.CODEC_SERVER_HOST,
    corsOrigins: corsOriginsFrom(config),
  });
  stops.push(() => codecServer.stop());
  const temporal: TemporalTarget = await ensureTemporal({
    address: config.TEMPORAL_ADDRESS,
    namespace: config.TEMPORAL_NAMESPACE,
    port: config.TEMPORAL_PORT,
    uiPort: config.TEMPORAL_UI_PORT,
    dbFile: path.join(dataDir, 'temporal.sqlite'),
    uiCodecEndpoint: codecServer.url,
    onProgress: say,
    onLog: (line) => logger.debug({ temporal: line }),
  });
  stops.push(() => temporal.stop());
  process.env.TEMPORAL_ADDRESS = temporal.address; // the workers connect by the envconfig conventions

  let db: Database;
  if (config.DATABASE_URL) {
    db = { url: config.DATABASE_URL, kind: 'given', stop: async () => undefined };
  } else {
    await requireFreePort(
      config.PG_PORT,
      'embedded PostgreSQL',
      'Set PG_PORT, or DATABASE_URL to use a running server.',
    );
    say(`Starting embedded PostgreSQL on port ${config.PG_PORT} (data in ${path.join(dataDir, 'pg')})...`);
    db = await startEmbeddedPostgres({
      dataDir: path.join(dataDir, 'pg'),
      port: config.PG_PORT,
      database: 'orders',
      onLog: (line) => logger.debug({ postgres: line }),
    });
  }
  stops.push(() => db.stop());

  // The sandbox providers, each in a process of its own as a real provider would be: the payment
  // provider (its vault, where `orders place` exchanges card tokens, and the payment calls) and the
  // carrier's booking desk. Own process groups: Ctrl-C reaches us, they stop after the workers drain.
  await requireFreePort(config.PAYMENTS_API_PORT, 'sandbox payments API', 'Set PAYMENTS_API_PORT to another port.');
  await requireFreePort(config.CARRIER_API_PORT, 'sandbox carrier API', 'Set CARRIER_API_PORT to another port.');
  const registry = new ProcessRegistry();
  const sandbox = async (name: string, script: string, ready: RegExp) => {
    const started = await startNodeProcess({
      registry,
      name,
      script,
      env: { ...process.env, DATABASE_URL: db.url },
      ready,
      logFile: path.join(dataDir, `${name}.log`),
      detached: true,
    });
    stops.push(() => registry.stop(started.pid));
    return started;
  };
  const provider = await sandbox('payments-provider', 'scripts/sandbox-payments.js', /sandbox payments API on/);
  const carrier = await sandbox('carrier-provider', 'scripts/sandbox-carrier.js', /sandbox carrier API on/);
  // The Orders API: the storefront's way in (its keys: `orders api-keys add`).
  await requireFreePort(config.ORDERS_API_PORT, 'Orders API', 'Set ORDERS_API_PORT to another port.');
  const ordersApi = await sandbox('orders-api', 'scripts/api.js', /orders API on/);
  // Mail: SMTP_URL when given, else the sandbox mail sink, whose mailbox `orders mailbox` reads.
  let smtpUrl = config.SMTP_URL;
  if (!smtpUrl) {
    await requireFreePort(
      config.MAIL_SINK_PORT,
      'sandbox mail sink',
      'Set MAIL_SINK_PORT, or SMTP_URL to use a mail server.',
    );
    await sandbox('mail-sink', 'scripts/sandbox-mail.js', /sandbox mail API on/);
    smtpUrl = `smtp://${config.MAIL_SINK_HOST}:${config.MAIL_SINK_PORT}`;
  }
  const paymentsApi = { url: `http://${config.PAYMENTS_API_HOST}:${config.PAYMENTS_API_PORT}` };
  const carrierApi = { url: `http://${config.CARRIER_API_HOST}:${config.CARRIER_API_PORT}` };

  await requireFreePort(config.CARRIER_WEBHOOK_PORT, 'carrier webhook', 'Set CARRIER_WEBHOOK_PORT to another port.');
  // Prometheus endpoints on the default ports when they are free (metrics are never worth a failed start).
  const metricsPort = config.METRICS_PORT ?? ((await isPortFree(9464)) ? 9464 : undefined);
  const sdkMetricsPort = config.SDK_METRICS_PORT ?? ((await isPortFree(9465)) ? 9465 : undefined);
  await runWorkers({
    databaseUrl: db.url,
    taskQueuePrefix: config.TASK_QUEUE_PREFIX,
    poolTimeouts: poolTimeouts(config),
    amqpUrl: config.AMQP_URL,
    // Without a broker only the webhook runs: events wait in the outbox (`orders events`).
    eventParts: ['relay', 'notifications', 'carrier-events'],
    relayPollMs: config.RELAY_POLL_MS,
    // With a broker the notifications consumer writes each message and the mail sender mails it.
    smtpUrl,
    sandboxCarrierVia: config.SANDBOX_CARRIER_VIA,
    // The payments worker calls the provider over HTTP, through its breaker (PAYMENTS_PROVIDER).
    paymentsUrl: paymentsApi.url,
    carrierUrl: carrierApi.url,
    metricsPort,
    sdkMetricsPort,
    webhook: {
      port: config.CARRIER_WEBHOOK_PORT,
      host: config.CARRIER_WEBHOOK_HOST,
      secret: carrierWebhookSecret(config),
    },
    onRunning: (client, events) => {
      workersRunning = true;
      say('');
      say(`  Temporal   ${temporal.address}  ${temporal.description}`);
      say(`  Web UI     ${config.TEMPORAL_UI_URL ?? temporal.uiUrl ?? '(not started by us)'}`);
      say(`  Codec      ${codecServer.url}  (the Web UI decrypts payloads through it)`);
      say(`  Database   ${db.kind === 'embedded' ? `embedded PostgreSQL: ${db.url}` : 'given (DATABASE_URL)'}`);
      say(`  Workers    orders, inventory, payments, shipping, fulfilment, returns  (build ${buildId(config)})`);
      say(`  Payments   ${paymentsApi.url}  (sandbox provider, pid ${provider.pid}: card vault for \`orders place\`)`);
      const at = (port: number | undefined) =>
        port ? `http://${config.METRICS_HOST}:${port}/metrics` : '(port taken: set the port)';
      say(`  Carrier    ${carrierApi.url}  (sandbox carrier's booking API, pid ${carrier.pid})`);
      say(
        `  Orders API http://${config.ORDERS_API_HOST}:${config.ORDERS_API_PORT}/v1  (pid ${ordersApi.pid}; keys: \`orders api-keys add\`)`,
      );
      say(
        `  Console    http://${config.ORDERS_API_HOST}:${config.ORDERS_API_PORT}/console  (approvers and operators log in here)`,
      );
      say(`  Metrics    ${at(metricsPort)} (orders, providers)  ${at(sdkMetricsPort)} (Temporal SDK)`);
      say(
        config.SMTP_URL
          ? `  Mail       ${redactUrl(config.SMTP_URL)}  (notifications are mailed there)`
          : `  Mail       ${smtpUrl}  (sandbox mail sink: \`orders mailbox\`, the console's Mailbox${
              config.AMQP_URL ? '' : '; notifications need AMQP_URL'
            })`,
      );
      say(`  Webhook    ${events.webhookUrl ?? '(no webhook)'}/carrier/events  (webhook for carrier status updates)`);
      say(
        config.AMQP_URL
          ? `  Events     ${redactUrl(config.AMQP_URL)}: outbox relay, notifications, carrier.events consumer`
          : '  Events     no AMQP_URL: events stay in the outbox (`orders events`), the carrier signals directly',
      );
      say('');
      say('  Try, in another terminal:  npx orders login --user admin');
      say('                             npx orders place --file examples/order.json --wait');
      say('  Ctrl-C stops everything.');
      // After the workers migrated the schema: a first run's admin, its password shown this once.
      const pool = createPool(db.url, 1);
      firstRunAdmin(pool)
        .finally(() => pool.end())
        .then(
          (password) => password && say(`  Staff      first run: user "admin", password ${password} (shown once)`),
          (err: unknown) => logger.error({ err }, 'could not create the first admin (`orders users add` can)'),
        );
      // After the workers are up, so a first run finds them; a failure leaves orders unaffected.
      applySchedules(client, scheduleSettings(config)).then(
        (applied) => applied.forEach((s) => say(`  Schedule   ${s.id}: ${s.what}`)),
        (err: unknown) => logger.error({ err }, 'could not apply the schedules (`orders schedules apply` retries)'),
      );
    },
  });
  say('Workers stopped; stopping the database and the Temporal server...');
  await stopAll();
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
