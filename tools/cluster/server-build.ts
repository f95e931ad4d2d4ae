/**
 * The full Temporal server (not the dev server): `go.temporal.io/server/cmd/server` and its SQL
 * schema tool, built with `go install` from the Go module proxy into the per-user cache, keyed by
 * version like the CLI, so fresh clones on the same machine reuse the build. Beside the binaries
 * the cache keeps the schema files and the config the module ships: the cluster reads those, not
 * the copies compiled into the tool, so what runs is what a user of that release deploys.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { goInstall, isExecutable } from '../dev-stack/go-install';
import { userCacheDir } from '../../src/runtime/paths';

export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
const MODULE = 'go.temporal.io/server';

export interface ServerBuild {
  version: string;
  /** `temporal-server`: the server itself (`go install .../cmd/server` names it `server`). */
  server: string;
  /** `temporal-sql-tool` (named `sql` by go install). */
  sqlTool: string;
  /** The module's `schema/postgresql/v12` (temporal/ and visibility/, versioned). */
  schemaDir: string;
  /** The module's `config/` (development-postgres12.yaml, dynamicconfig/). */
  configDir: string;
}

export function serverBuildPaths(version = TEMPORAL_SERVER_VERSION, env: NodeJS.ProcessEnv = process.env): ServerBuild {
  const dir = path.join(userCacheDir(env), 'temporal-server', version);
  return {
    version,
    server: path.join(dir, 'server'),
    sqlTool: path.join(dir, 'sql'),
    schemaDir: path.join(dir, 'schema', 'postgresql', 'v12'),
    configDir: path.join(dir, 'config'),
  };
}

function isComplete(build: ServerBuild): boolean {
  return (
    isExecutable(build.server) &&
    isExecutable(build.sqlTool) &&
    existsSync(build.schemaDir) &&
    existsSync(build.configDir)
  );
}

export function hasGo(env: NodeJS.ProcessEnv = process.env): boolean {
  return spawnSync('go', ['version'], { env }).status === 0;
}

export function howToBuildServer(env: NodeJS.ProcessEnv = process.env): string {
  const build = serverBuildPaths(TEMPORAL_SERVER_VERSION, env);
  return [
    `No Temporal server ${TEMPORAL_SERVER_VERSION} build in ${path.dirname(build.server)}.`,
    'Install Go (https://go.dev) and run `npm run cluster` again (or `node dist/scripts/ensure-temporal-server.js`):',
    `it runs: GOBIN=${path.dirname(build.server)} go install ${MODULE}/cmd/server@${TEMPORAL_SERVER_VERSION} ${MODULE}/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`,
  ].join('\n');
}

/** The module cache is read-only; our copies must stay removable by the user (`rm -rf ~/.cache/...`). */
function makeWritable(dir: string): void {
  chmodSync(dir, statSync(dir).mode | 0o200);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const child = path.join(dir, entry.name);
    if (entry.isDirectory()) makeWritable(child);
    else chmodSync(child, statSync(child).mode | 0o200);
  }
}

/** Where `go mod download` put the module's source (its schema and config files). */
function moduleDir(version: string, env: NodeJS.ProcessEnv): string {
  const out = spawnSync('go', ['mod', 'download', '-json', `${MODULE}@${version}`], { env, encoding: 'utf8' });
  const info = JSON.parse(out.stdout || '{}') as { Dir?: string; Error?: string };
  if (out.status !== 0 || !info.Dir)
    throw new Error(`go mod download ${MODULE}@${version}: ${info.Error ?? out.stderr}`);
  return info.Dir;
}

export interface EnsureServerOptions {
  env?: NodeJS.ProcessEnv;
  onProgress?: (line: string) => void;
}

/** The cached build, made first if absent. Throws with the way to get one when Go is missing or fails. */
export async function ensureServerBuild(opts: EnsureServerOptions = {}): Promise<ServerBuild> {
  const env = opts.env ?? process.env;
  const progress = opts.onProgress ?? (() => undefined);
  const build = serverBuildPaths(TEMPORAL_SERVER_VERSION, env);
  if (isComplete(build)) return build;
  if (!hasGo(env)) throw new Error(howToBuildServer(env));
  const packages = ['cmd/server', 'cmd/tools/sql'].map((p) => `${MODULE}/${p}@${TEMPORAL_SERVER_VERSION}`);
  const label = `Temporal server ${TEMPORAL_SERVER_VERSION} and its SQL tool`;
  const error = await goInstall(packages, path.dirname(build.server), env, label, progress);
  if (error) throw new Error(`go install ${packages.join(' ')} failed:\n${error}`);
  const source = moduleDir(TEMPORAL_SERVER_VERSION, env);
  // Copied out of the read-only module cache: `go clean -modcache` must not break a built cluster.
  cpSync(path.join(source, 'schema', 'postgresql', 'v12'), build.schemaDir, { recursive: true });
  cpSync(path.join(source, 'config'), build.configDir, { recursive: true });
  makeWritable(path.dirname(build.schemaDir));
  makeWritable(build.configDir);
  if (!isComplete(build)) throw new Error(`the build left an incomplete ${path.dirname(build.server)}`);
  return build;
}
