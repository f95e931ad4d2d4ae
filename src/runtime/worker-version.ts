/**
 * Worker Deployments: every worker says which version of the code it runs, as a deployment name
 * and a build id (`<package version>+<git commit>`, or WORKER_BUILD_ID from the build pipeline).
 * The server records it on every workflow task, so the Web UI shows which build ran each step.
 *
 * Routing by version is opt-in (WORKER_VERSIONING): with `pinned` a workflow stays on the version
 * it started on until it ends (old workers drain it); with `auto-upgrade` it moves to the current
 * version at its next task, so the code must replay its history (patched()). A versioned worker
 * gets tasks only once its version is made current (or ramping): docs/operations.md, Deploys.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkerDeploymentOptions } from '@temporalio/worker';
import type { Config } from '../config';
import { projectRoot } from './paths';

function gitCommit(): string | undefined {
  try {
    const out = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], {
      cwd: projectRoot(),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return out.trim() || undefined;
  } catch {
    return undefined; // an installed package, not a checkout
  }
}

let computed: string | undefined;

/** WORKER_BUILD_ID, else `<version>+<commit>` (`<version>` alone outside a git checkout). */
export function buildId(config: Pick<Config, 'WORKER_BUILD_ID'>): string {
  if (config.WORKER_BUILD_ID) return config.WORKER_BUILD_ID;
  computed ??= (() => {
    const { version } = JSON.parse(readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as {
      version: string;
    };
    const commit = gitCommit();
    return commit ? `${version}+${commit}` : version;
  })();
  return computed;
}

/** The deployment name is per deployment (TASK_QUEUE_PREFIX), like the task queues. */
export function deploymentOptions(
  config: Pick<Config, 'WORKER_VERSIONING' | 'WORKER_DEPLOYMENT_NAME' | 'WORKER_BUILD_ID' | 'TASK_QUEUE_PREFIX'>,
  prefix = config.TASK_QUEUE_PREFIX,
): WorkerDeploymentOptions {
  const version = { deploymentName: `${prefix}${config.WORKER_DEPLOYMENT_NAME}`, buildId: buildId(config) };
  if (config.WORKER_VERSIONING === 'off') return { version, useWorkerVersioning: false };
  return {
    version,
    useWorkerVersioning: true,
    defaultVersioningBehavior: config.WORKER_VERSIONING === 'pinned' ? 'PINNED' : 'AUTO_UPGRADE',
  };
}
