import { chmodSync, mkdtempSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Pool } from 'pg';
import { loadConfig } from '../../src/config';
import { SERVICES } from '../../src/domain';
import { loadDataConverter } from '../../src/runtime/data-converter';
import { freePort } from '../../tools/dev-stack/ports';
import { SCHEDULE_NAMES } from '../../src/runtime/schedules';
import { childrenOf, isAlive, runCli, spawnNode, startEnv as baseEnv } from '../support/processes';
import { sessionToken } from '../support/api';

const BANNER = /Ctrl-C stops everything/;

test('with TEMPORAL_ADDRESS and DATABASE_URL given, npm start starts neither a server nor a database, and applies the schedules', async () => {
  const prefix = `start-given-${process.pid}-`;
  const env = baseEnv({
    TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS,
    DATABASE_URL: process.env.DATABASE_URL,
    TASK_QUEUE_PREFIX: prefix,
    CODEC_SERVER_PORT: String(await freePort()),
    PAYMENTS_API_PORT: String(await freePort()),
    CARRIER_API_PORT: String(await freePort()),
    ORDERS_API_PORT: String(await freePort()),
    MAIL_SINK_PORT: String(await freePort()),
    CARRIER_WEBHOOK_PORT: String(await freePort()),
    METRICS_PORT: String(await freePort()),
    SDK_METRICS_PORT: String(await freePort()),
    TRANSIT_TIME_MS: '300',
  });
  const start = spawnNode('tools/dev-stack/start.js', [], env);
  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS });
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
  const schedules = new Client({ connection, dataConverter: loadDataConverter() }).schedule;
  const schedule = schedules.getHandle(`${prefix}reservation-sweeper`);
  try {
    await start.waitFor(BANNER);
    expect(start.output()).toContain('given (TEMPORAL_ADDRESS)');
    expect(start.output()).toContain('given (DATABASE_URL)');
    // Neither a server nor a database: the sandbox providers and the Orders API, each a process of its own.
    expect(childrenOf(start.child.pid!).map((c) => path.basename(c.command.split(' ')[1] ?? ''))).toEqual([
      'sandbox-payments.js',
      'sandbox-carrier.js',
      'api.js',
      'sandbox-mail.js',
    ]);
    // No SMTP_URL given: the workers mail through the sandbox mail sink.
    expect(start.output()).toContain(`Mail       smtp://127.0.0.1:${env.MAIL_SINK_PORT}  (sandbox mail sink`);
    // The Orders API answers on loopback, and nothing without a storefront key.
    const apiUrl = `http://127.0.0.1:${env.ORDERS_API_PORT}`;
    expect(start.output()).toContain(`${apiUrl}/v1`);
    const anonymous = await fetch(`${apiUrl}/v1/orders`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(anonymous.status).toBe(401);
    expect(((await (await fetch(`${apiUrl}/openapi.json`)).json()) as { openapi: string }).openapi).toBe('3.1.0');
    const doctor = await runCli(['doctor', '--json'], env);
    expect(doctor.code).toBe(0);
    expect(JSON.parse(doctor.stdout).ok).toBe(true);
    // npm start's payments worker calls the provider over HTTP, through its breaker.
    expect(JSON.parse(doctor.stdout).workers.payments).toMatch(/provider: HTTP, breaker closed/);
    expect(JSON.parse(doctor.stdout).workers.shipping).toMatch(/carrier: HTTP, breaker closed/);
    expect(start.output()).toContain('Events     no AMQP_URL: events stay in the outbox');
    await start.waitFor(/Schedule +start-given-\d+-outbox-lag/);
    expect((await schedule.describe()).spec.intervals).toEqual([expect.objectContaining({ every: 300_000 })]);
    expect(start.output()).toMatch(/Schedule +start-given-\d+-reconciliation: reconciles payments/);

    // One order through it; then both Prometheus endpoints the banner names answer.
    // Placed through npm start's Orders API, as customer service would (`orders login`: a session).
    const desk = {
      ORDERS_API_URL: apiUrl,
      ORDERS_API_TOKEN: await sessionToken(pool, `desk-${process.pid}`, 'customer-service'),
    };
    const placed = await runCli(['place', '--file', 'examples/order.json', '--wait'], { ...env, ...desk });
    expect(placed.code).toBe(0);
    const metricsUrl = `http://127.0.0.1:${env.METRICS_PORT}/metrics`;
    expect(start.output()).toContain(metricsUrl);
    const business = await (await fetch(metricsUrl)).text();
    expect(business).toMatch(/^orders_terminal_total\{status="Delivered",reason="none"\} 1$/m);
    expect(business).toMatch(/^order_placement_to_terminal_seconds_count\{status="Delivered"\} 1$/m);
    expect(business).toMatch(/^provider_breaker_state\{provider="payments provider"\} 0$/m);
    expect(business).toMatch(/^provider_call_seconds_count\{provider="payments provider",outcome="ok"\} [1-9]/m);
    // The shipping worker booked the parcel at the carrier's API, through its own breaker.
    expect(business).toMatch(/^provider_call_seconds_count\{provider="carrier",outcome="ok"\} [1-9]/m);
    const sdk = await (await fetch(`http://127.0.0.1:${env.SDK_METRICS_PORT}/metrics`)).text();
    expect(sdk).toMatch(/^temporal_workflow_completed\{.*workflow_type="orderWorkflow".*\} [1-9]/m);
  } finally {
    const code = await start.stop('SIGINT');
    // On failure the diff shows npm start's last output.
    expect({ code, output: code === 0 ? '' : start.output().slice(-4000) }).toEqual({ code: 0, output: '' });
    for (const name of SCHEDULE_NAMES)
      await schedules
        .getHandle(`${prefix}${name}`)
        .delete()
        .catch(() => undefined);
    await connection.close();
    await pool.end();
  }
});

test('embedded: Web UI answers with the codec server set, Ctrl-C leaves no process behind, and history and key survive a restart', async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'start-embedded-'));
  chmodSync(dataDir, 0o755); // the postgres user must reach .data/pg when we run as root
  const ports = {
    TEMPORAL_PORT: await freePort(),
    TEMPORAL_UI_PORT: await freePort(),
    PG_PORT: await freePort(),
    CODEC_SERVER_PORT: await freePort(),
    PAYMENTS_API_PORT: await freePort(),
    CARRIER_API_PORT: await freePort(),
    ORDERS_API_PORT: await freePort(),
    MAIL_SINK_PORT: await freePort(),
    CARRIER_WEBHOOK_PORT: await freePort(),
  };
  const env = baseEnv({
    DATA_DIR: dataDir,
    TEMPORAL_PORT: String(ports.TEMPORAL_PORT),
    TEMPORAL_UI_PORT: String(ports.TEMPORAL_UI_PORT),
    PG_PORT: String(ports.PG_PORT),
    CODEC_SERVER_PORT: String(ports.CODEC_SERVER_PORT),
    PAYMENTS_API_PORT: String(ports.PAYMENTS_API_PORT),
    CARRIER_API_PORT: String(ports.CARRIER_API_PORT),
    ORDERS_API_PORT: String(ports.ORDERS_API_PORT),
    MAIL_SINK_PORT: String(ports.MAIL_SINK_PORT),
    CARRIER_WEBHOOK_PORT: String(ports.CARRIER_WEBHOOK_PORT),
  });
  delete env.PAYLOAD_CODEC_KEYS; // a first run without keys makes its own key file
  delete env.DECISION_SIGNING_KEY; // ... and its own decision signing key
  delete env.DECISION_PUBLIC_KEYS;
  const cliEnv = { ...env, TEMPORAL_ADDRESS: `127.0.0.1:${ports.TEMPORAL_PORT}` };

  const first = spawnNode('tools/dev-stack/start.js', [], env);
  let checkId: string;
  let children: Array<{ pid: number; command: string }>;
  try {
    await first.waitFor(BANNER, 120_000);
    const ui = await fetch(`http://localhost:${ports.TEMPORAL_UI_PORT}/`);
    expect(ui.status).toBe(200);
    expect(first.output()).toContain(`Created a payload encryption key in ${path.join(dataDir, 'codec-keys')}`);
    expect(statSync(path.join(dataDir, 'codec-keys')).mode & 0o777).toBe(0o600);
    // The Web UI is told where to decode payloads (its settings API is what the UI's pages read).
    const settings = (await (await fetch(`http://localhost:${ports.TEMPORAL_UI_PORT}/api/v1/settings`)).json()) as {
      Codec: { Endpoint: string };
    };
    expect(settings.Codec.Endpoint).toBe(`http://127.0.0.1:${ports.CODEC_SERVER_PORT}`);
    children = childrenOf(first.child.pid!);
    expect(children.some((c) => c.command.includes('start-dev'))).toBe(true);
    expect(children.some((c) => c.command.includes('postgres'))).toBe(true);
    expect(children.some((c) => c.command.includes('sandbox-payments.js'))).toBe(true);
    expect(children.some((c) => c.command.includes('sandbox-carrier.js'))).toBe(true);
    expect(children.some((c) => c.command.includes('api.js'))).toBe(true);
    expect(children.some((c) => c.command.includes('sandbox-mail.js'))).toBe(true);
    // A first run: the decision signing key, and an admin whose password is printed once; the console answers.
    expect(statSync(path.join(dataDir, 'decision-signing-key')).mode & 0o777).toBe(0o600);
    const [, password] = await first.waitFor(/Staff +first run: user "admin", password (\S+) \(shown once\)/);
    const apiUrl = `http://127.0.0.1:${ports.ORDERS_API_PORT}`;
    const login = await fetch(`${apiUrl}/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    });
    expect(login.status).toBe(201);
    expect(first.output()).toContain(`Console    ${apiUrl}/console`);
    expect((await fetch(`${apiUrl}/console/login`)).status).toBe(200);
    const doctor = await runCli(['doctor', '--json'], cliEnv);
    expect(doctor.code).toBe(0);
    checkId = JSON.parse(doctor.stdout).checkId;
  } finally {
    expect(await first.stop('SIGINT')).toBe(0);
  }
  for (const c of children) expect(isAlive(c.pid)).toBe(false);

  const second = spawnNode('tools/dev-stack/start.js', [], env);
  try {
    await second.waitFor(BANNER, 120_000);
    expect(second.output()).not.toContain('Created a payload encryption key');
    const connection = await Connection.connect({ address: cliEnv.TEMPORAL_ADDRESS });
    try {
      // The key file of the first run decrypts the first run's history.
      const dataConverter = loadDataConverter(loadConfig(env));
      const handle = new Client({ connection, dataConverter }).workflow.getHandle(`stack-check-${checkId}`);
      expect((await handle.describe()).status.name).toBe('COMPLETED');
      expect(Object.keys(await handle.result()).sort()).toEqual([...SERVICES].sort());
    } finally {
      await connection.close();
    }
  } finally {
    expect(await second.stop('SIGINT')).toBe(0);
  }
}, 300_000);
