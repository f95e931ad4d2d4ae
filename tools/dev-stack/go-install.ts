import { spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';

export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * `go install <packages>` into `gobin` (the Temporal CLI, the Temporal server and its SQL tool are
 * all built this way from the Go module proxy). Resolves to undefined on success, else to the
 * last lines of go's output. Progress every 15 s: a first build takes minutes.
 */
export function goInstall(
  packages: string[],
  gobin: string,
  env: NodeJS.ProcessEnv,
  label: string,
  onProgress: (line: string) => void,
): Promise<string | undefined> {
  mkdirSync(gobin, { recursive: true });
  onProgress(`Building ${label} with go install (the first time takes a few minutes)...`);
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn('go', ['install', ...packages], {
      env: { ...env, GOBIN: gobin },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const ticker = setInterval(
      () => onProgress(`  still building ${label}... ${Math.round((Date.now() - started) / 1000)}s`),
      15_000,
    );
    child.on('error', (err) => {
      clearInterval(ticker);
      resolve(err.message);
    });
    child.on('close', (code) => {
      clearInterval(ticker);
      resolve(code === 0 ? undefined : stderr.trim().split('\n').slice(-5).join('\n') || `go exited with ${code}`);
    });
  });
}
