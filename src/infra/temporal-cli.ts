import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import path from 'node:path';
import { userCacheDir } from './paths';

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

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
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

/** Runs `go install` for one version into the cache; resolves to the error text on failure. */
function goInstall(
  version: string,
  env: NodeJS.ProcessEnv,
  onProgress: (l: string) => void,
): Promise<string | undefined> {
  const target = cachedCliPath(version, env);
  mkdirSync(path.dirname(target), { recursive: true });
  onProgress(`Building Temporal CLI ${version} with go install (the first time takes a few minutes)...`);
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn('go', ['install', `github.com/temporalio/cli/cmd/temporal@${version}`], {
      env: { ...env, GOBIN: path.dirname(target) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const ticker = setInterval(
      () => onProgress(`  still building Temporal CLI ${version}... ${Math.round((Date.now() - started) / 1000)}s`),
      15_000,
    );
    child.on('close', (code) => {
      clearInterval(ticker);
      resolve(code === 0 && isExecutable(target) ? undefined : stderr.trim().split('\n').slice(-5).join('\n'));
    });
  });
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
      const error = await goInstall(version, env, progress);
      if (!error) return { kind: 'path', path: cachedCliPath(version, env), source: 'go install' };
      errors.push(`go install ${version} failed:\n${error}`);
      progress(`go install ${version} failed; trying the next version`);
    }
  }
  if (opts.allowDownload !== false) return { kind: 'sdk-download' };
  throw new Error([...errors, howToGetTemporalCli(env)].join('\n'));
}
