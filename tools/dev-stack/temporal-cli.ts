import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { goInstall, isExecutable } from './go-install';
import { userCacheDir } from '../../src/runtime/paths';

/** The newest tag that `go install` accepts; later tags carry a `replace` directive. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
/** Tried in order when the preferred version fails to build. */
const FALLBACK_VERSIONS = [TEMPORAL_CLI_VERSION, 'v1.5.0', 'v1.4.1'];

export type TemporalCli =
  | { kind: 'path'; path: string; source: 'TEMPORAL_CLI' | 'PATH' | 'cache' | 'go install' }
  /** No binary here: let the SDK download its own dev server (needs internet). */
  | { kind: 'sdk-download' };

export interface ResolveOptions {
  env?: NodeJS.ProcessEnv;
  /** Build with `go install` when nothing else is found (default true). */
  allowBuild?: boolean;
  /** Fall back to the SDK's download (default true). */
  allowDownload?: boolean;
  onProgress?: (line: string) => void;
}

export function cachedCliPath(version = TEMPORAL_CLI_VERSION, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(userCacheDir(env), 'temporal-cli', version, 'temporal');
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

export function howToGetTemporalCli(env: NodeJS.ProcessEnv = process.env): string {
  return [
    'No Temporal CLI found. Any one of these works:',
    '  1. set TEMPORAL_CLI=/path/to/temporal',
    '  2. put `temporal` on your PATH (https://docs.temporal.io/cli)',
    `  3. build it once into the cache: GOBIN=${path.dirname(cachedCliPath(TEMPORAL_CLI_VERSION, env))} go install github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`,
    '  4. install Go (https://go.dev) and run again: the build then happens by itself',
    '  5. with internet access, the Temporal SDK downloads its own dev server',
    '  or point at a running server with TEMPORAL_ADDRESS=host:7233',
  ].join('\n');
}

/** Builds one version into the cache; resolves to the error text on failure. */
async function buildCli(version: string, env: NodeJS.ProcessEnv, onProgress: (l: string) => void) {
  const target = cachedCliPath(version, env);
  const pkg = `github.com/temporalio/cli/cmd/temporal@${version}`;
  const error = await goInstall([pkg], path.dirname(target), env, `Temporal CLI ${version}`, onProgress);
  return error ?? (isExecutable(target) ? undefined : `go install left no ${target}`);
}

/**
 * Finds a Temporal CLI in the documented order: TEMPORAL_CLI, PATH, the versioned user cache,
 * a `go install` build, then the SDK's own download. Throws with every option listed when none works.
 */
export async function resolveTemporalCli(opts: ResolveOptions = {}): Promise<TemporalCli> {
  const env = opts.env ?? process.env;
  const progress = opts.onProgress ?? (() => undefined);
  if (env.TEMPORAL_CLI) {
    if (!isExecutable(env.TEMPORAL_CLI)) throw new Error(`TEMPORAL_CLI=${env.TEMPORAL_CLI} is not an executable file`);
    return { kind: 'path', path: env.TEMPORAL_CLI, source: 'TEMPORAL_CLI' };
  }
  const fromPath = onPath('temporal', env);
  if (fromPath) return { kind: 'path', path: fromPath, source: 'PATH' };
  for (const version of FALLBACK_VERSIONS) {
    if (isExecutable(cachedCliPath(version, env)))
      return { kind: 'path', path: cachedCliPath(version, env), source: 'cache' };
  }
  const errors: string[] = [];
  if (opts.allowBuild !== false && spawnSync('go', ['version'], { env }).status === 0) {
    for (const version of FALLBACK_VERSIONS) {
      const error = await buildCli(version, env, progress);
      if (!error) return { kind: 'path', path: cachedCliPath(version, env), source: 'go install' };
      errors.push(`go install ${version} failed:\n${error}`);
      progress(`go install ${version} failed; trying the next version`);
    }
  }
  if (opts.allowDownload !== false) return { kind: 'sdk-download' };
  throw new Error([...errors, howToGetTemporalCli(env)].join('\n'));
}
