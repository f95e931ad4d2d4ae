import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TEMPORAL_CLI_VERSION, cachedCliPath, resolveTemporalCli } from '../../tools/dev-stack/temporal-cli';

function fakeExecutable(file: string): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, '#!/bin/sh\necho fake\n');
  chmodSync(file, 0o755);
  return file;
}

const scratch = () => mkdtempSync(path.join(os.tmpdir(), 'cli-resolve-'));
const noBuild = { allowBuild: false, allowDownload: false } as const;

test('TEMPORAL_CLI wins over everything else', async () => {
  const dir = scratch();
  const explicit = fakeExecutable(path.join(dir, 'explicit', 'temporal'));
  fakeExecutable(path.join(dir, 'bin', 'temporal'));
  const cli = await resolveTemporalCli({ ...noBuild, env: { TEMPORAL_CLI: explicit, PATH: path.join(dir, 'bin') } });
  expect(cli).toEqual({ kind: 'path', path: explicit, source: 'TEMPORAL_CLI' });
});

test('a TEMPORAL_CLI that is not executable is an error naming it', async () => {
  await expect(resolveTemporalCli({ ...noBuild, env: { TEMPORAL_CLI: '/nonexistent/temporal' } })).rejects.toThrow(
    'TEMPORAL_CLI=/nonexistent/temporal is not an executable file',
  );
});

test('`temporal` on PATH comes before the cache', async () => {
  const dir = scratch();
  const onPath = fakeExecutable(path.join(dir, 'bin', 'temporal'));
  fakeExecutable(cachedCliPath(TEMPORAL_CLI_VERSION, { XDG_CACHE_HOME: dir }));
  const cli = await resolveTemporalCli({ ...noBuild, env: { PATH: path.join(dir, 'bin'), XDG_CACHE_HOME: dir } });
  expect(cli).toEqual({ kind: 'path', path: onPath, source: 'PATH' });
});

test('the versioned user cache is used when nothing else is set', async () => {
  const dir = scratch();
  const cached = fakeExecutable(cachedCliPath(TEMPORAL_CLI_VERSION, { XDG_CACHE_HOME: dir }));
  expect(cached).toBe(path.join(dir, 'durable-orders', 'temporal-cli', TEMPORAL_CLI_VERSION, 'temporal'));
  const cli = await resolveTemporalCli({ ...noBuild, env: { PATH: '', XDG_CACHE_HOME: dir } });
  expect(cli).toEqual({ kind: 'path', path: cached, source: 'cache' });
});

test('with no binary, no build and no download, the error lists every option', async () => {
  const dir = scratch();
  const attempt = resolveTemporalCli({ ...noBuild, env: { PATH: '', XDG_CACHE_HOME: dir } });
  await expect(attempt).rejects.toThrow(/TEMPORAL_CLI=/);
  await expect(attempt).rejects.toThrow(/go install github.com\/temporalio\/cli\/cmd\/temporal@v1\.5\.1/);
  await expect(attempt).rejects.toThrow(/TEMPORAL_ADDRESS/);
});

test('with no binary and no build, the SDK download is the last resort', async () => {
  const cli = await resolveTemporalCli({ allowBuild: false, env: { PATH: '', XDG_CACHE_HOME: scratch() } });
  expect(cli).toEqual({ kind: 'sdk-download' });
});

test('this machine resolves a real binary (the one the test server runs on)', async () => {
  const cli = await resolveTemporalCli({ allowBuild: false, allowDownload: false });
  expect(cli.kind).toBe('path');
});
