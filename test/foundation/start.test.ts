import { chmodSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { freePort } from '../../src/infra/ports';
import { childrenOf, isAlive, runCli, spawnNode } from '../support/processes';

const BANNER = /Ctrl-C stops everything/;

/** The test's own environment minus what would point `npm start` at the suite's stack. */
function baseEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', ...extra };
  for (const key of ['TEMPORAL_ADDRESS', 'DATABASE_URL', 'WORKFLOW_BUNDLE_PATH']) if (!(key in extra)) delete env[key];
  return env;
}

test('with TEMPORAL_ADDRESS and DATABASE_URL given, npm start starts neither a server nor a database, and creates the sweeper schedule', async () => {
  const prefix = `start-given-${process.pid}-`;
  const env = baseEnv({
    TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS,
    DATABASE_URL: process.env.DATABASE_URL,
    TASK_QUEUE_PREFIX: prefix,
  });
  const start = spawnNode('src/start.js', [], env);
  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS });
  const schedule = new Client({ connection }).schedule.getHandle(`${prefix}reservation-sweeper`);
  try {
    await start.waitFor(BANNER);
    expect(start.output()).toContain('given (TEMPORAL_ADDRESS)');
    expect(start.output()).toContain('given (DATABASE_URL)');
    expect(childrenOf(start.child.pid!)).toEqual([]);
    const doctor = await runCli(['doctor', '--json'], env);
    expect(doctor.code).toBe(0);
    expect(JSON.parse(doctor.stdout).ok).toBe(true);
    await start.waitFor(/Schedule +start-given-\d+-reservation-sweeper/);
    expect((await schedule.describe()).spec.intervals).toEqual([expect.objectContaining({ every: 300_000 })]);
  } finally {
    expect(await start.stop('SIGINT')).toBe(0);
    await schedule.delete().catch(() => undefined);
    await connection.close();
  }
});

test('embedded: Web UI answers, Ctrl-C leaves no process behind, and history survives a restart', async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'start-embedded-'));
  chmodSync(dataDir, 0o755); // the postgres user must reach .data/pg when we run as root
  const ports = { TEMPORAL_PORT: await freePort(), TEMPORAL_UI_PORT: await freePort(), PG_PORT: await freePort() };
  const env = baseEnv({
    DATA_DIR: dataDir,
    TEMPORAL_PORT: String(ports.TEMPORAL_PORT),
    TEMPORAL_UI_PORT: String(ports.TEMPORAL_UI_PORT),
    PG_PORT: String(ports.PG_PORT),
  });
  const cliEnv = { ...env, TEMPORAL_ADDRESS: `127.0.0.1:${ports.TEMPORAL_PORT}` };

  const first = spawnNode('src/start.js', [], env);
  let checkId: string;
  let children: Array<{ pid: number; command: string }>;
  try {
    await first.waitFor(BANNER, 120_000);
    const ui = await fetch(`http://localhost:${ports.TEMPORAL_UI_PORT}/`);
    expect(ui.status).toBe(200);
    children = childrenOf(first.child.pid!);
    expect(children.some((c) => c.command.includes('start-dev'))).toBe(true);
    expect(children.some((c) => c.command.includes('postgres'))).toBe(true);
    const doctor = await runCli(['doctor', '--json'], cliEnv);
    expect(doctor.code).toBe(0);
    checkId = JSON.parse(doctor.stdout).checkId;
  } finally {
    expect(await first.stop('SIGINT')).toBe(0);
  }
  for (const c of children) expect(isAlive(c.pid)).toBe(false);

  const second = spawnNode('src/start.js', [], env);
  try {
    await second.waitFor(BANNER, 120_000);
    const connection = await Connection.connect({ address: cliEnv.TEMPORAL_ADDRESS });
    try {
      const described = await new Client({ connection }).workflow.getHandle(`stack-check-${checkId}`).describe();
      expect(described.status.name).toBe('COMPLETED');
    } finally {
      await connection.close();
    }
  } finally {
    expect(await second.stop('SIGINT')).toBe(0);
  }
}, 300_000);
